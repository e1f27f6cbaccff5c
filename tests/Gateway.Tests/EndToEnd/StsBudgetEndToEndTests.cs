using System.Net;
using System.Net.Http.Headers;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The AssumeRole budget over real processes (gateway, LocalAws): with <c>Sts:MaxAssumeRolePerSecond = 1</c> and a short
/// <c>Sts:AdmissionTimeout</c>, three new users at once cannot all be admitted — the ones that are not get the same 503
/// <c>credentials_unavailable</c> + Retry-After as an STS outage, never reaching STS; the admitted one is served.
/// </summary>
public sealed class StsBudgetEndToEndTests : IAsyncLifetime
{
    private GatewayTopology? _topology;
    private HttpClient Client { get; set; } = null!;

    private LocalAwsHost Aws => _topology!.Aws;

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            GatewayEnvironment = new Dictionary<string, string?>
            {
                ["TenantIsolation__CredentialScope"] = "User",
                ["TenantIsolation__Sts__MaxAssumeRolePerSecond"] = "1",
                ["TenantIsolation__Sts__AdmissionTimeout"] = "00:00:00.300",
            },
        });
        Client = _topology.CreateGatewayClient();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }

    [Fact]
    public async Task ColdUsersOverTheBudget_CredentialsUnavailableWithRetryAfter_TheAdmittedOneServed_AndLaterServedToo()
    {
        var users = new[] { "alice", "erin", "carol" };
        var tokens = new Dictionary<string, string>();
        foreach (var user in users)
        {
            tokens[user] = await Aws.MintTokenAsync(user);
        }

        var before = (await Aws.GetStatsAsync()).AssumeRoleSucceeded;
        var responses = await Task.WhenAll(users.Select(u => SendAsync(tokens[u])));
        var minted = (await Aws.GetStatsAsync()).AssumeRoleSucceeded - before;

        var ok = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.InRange(ok, 1, 2); // allow: the budget's call (and at most the next second's, within 300 ms)
        Assert.Equal(3 - ok, refused.Count); // deny: the rest, never a third call in ~1 s
        Assert.Equal(ok, minted); // a refused miss never reached STS
        foreach (var response in refused)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\"code\":\"credentials_unavailable\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        // The refused users are served once the budget has room again (one per second).
        foreach (var user in users.Where((_, i) => responses[i].StatusCode != HttpStatusCode.OK))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1100));
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(tokens[user])).StatusCode);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        return await Client.SendAsync(request);
    }
}
