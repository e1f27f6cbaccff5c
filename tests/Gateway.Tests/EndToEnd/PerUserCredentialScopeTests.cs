using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// <c>TenantIsolation:CredentialScope = User</c> over real processes: every (organization, permission set, user) gets
/// its own STS session, and each session still carries the permission set of that user's role.
/// </summary>
public sealed class PerUserCredentialScopeTests : IAsyncLifetime
{
    private GatewayTopology? _topology;
    private HttpClient Client { get; set; } = null!;

    private LocalAwsHost Aws => _topology!.Aws;

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            GatewayEnvironment = new Dictionary<string, string?> { ["TenantIsolation__CredentialScope"] = "User" },
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
    public async Task UserScope_OneSessionPerUser_EachWithItsRolesPermissions()
    {
        var before = (await Aws.GetStatsAsync()).AssumeRoleSucceeded;

        // alice (ADMINISTRATOR) and erin (MEMBER) of acme: same permission set, but separate sessions per user.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "alice")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "erin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "alice")).StatusCode);
        Assert.Equal(2, (await Aws.GetStatsAsync()).AssumeRoleSucceeded - before);

        // carol (VIEWER) gets her own read-only session: IAM refuses her write while alice's write succeeds.
        var carolWrite = await SendAsync(HttpMethod.Post, "carol", "{\"name\":\"carol-was-here\"}");
        Assert.Equal(HttpStatusCode.Forbidden, carolWrite.StatusCode);
        Assert.Contains("tenant_access_denied", await carolWrite.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "alice", "{\"name\":\"alice-was-here\"}")).StatusCode);
        Assert.Equal(3, (await Aws.GetStatsAsync()).AssumeRoleSucceeded - before);

        // CloudTrail alignment: each per-user session is named {organization}+{permission set}@{user} and carries the user
        // as SourceIdentity, as STS (here LocalAws, which logs what CloudTrail records) received them.
        Assert.Contains("session=acme+read-write@alice sourceIdentity=alice ", Aws.Output, StringComparison.Ordinal);
        Assert.Contains("session=acme+read-write@erin sourceIdentity=erin ", Aws.Output, StringComparison.Ordinal);
        Assert.Contains("session=acme+read-only@carol sourceIdentity=carol ", Aws.Output, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string user, string? json = null)
    {
        using var request = new HttpRequestMessage(method, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Aws.MintTokenAsync(user));
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await Client.SendAsync(request);
    }
}
