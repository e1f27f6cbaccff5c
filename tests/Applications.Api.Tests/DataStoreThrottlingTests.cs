using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Testing;

namespace Applications.Api.Tests;

/// <summary>
/// The sample API (real process) against a LocalAws whose per-partition-key write budget is 1 unit per second: a burst of
/// writes by one organization is throttled by DynamoDB beyond the SDK's retries, and the API answers 503 problem+json
/// <c>data_store_throttled</c> with <c>Retry-After</c> (it answered a bare 500 before). Allow twins: another organization's
/// write at the same time (another key, its own budget) and the same organization's write once the budget refilled.
/// Own processes, because the budget is LocalAws's start-up option.
/// </summary>
public sealed class DataStoreThrottlingTests : IAsyncLifetime
{
    private LocalAwsHost? _aws;
    private ProcessHost? _api;
    private Uri _apiUrl = null!;

    public async Task InitializeAsync()
    {
        _aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { PartitionWriteUnits = 1, StartTimeout = TimeSpan.FromSeconds(90) });
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/"));
        _api = await ProcessHost.StartDotnetAsync(
            Built.Dll("samples/Applications.Api", "Applications.Api"),
            ["--urls", TopologyEnvironment.Origin(url)],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["TenantContext__Keys__0__KeyId"] = ApplicationsApiFixture.KeyId,
                ["TenantContext__Keys__0__Key"] = ApplicationsApiFixture.KeyBase64,
                ["TenantContext__DynamoDb__ServiceUrl"] = TopologyEnvironment.Origin(_aws.Url),
            },
            RepoPaths.Root,
            readyLine: null,
            readyUrl: new Uri(url, "healthz"),
            TimeSpan.FromSeconds(60));
        _apiUrl = url;
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
    }

    [Fact]
    public async Task WritesOverThePartitionBudget_503DataStoreThrottledWithRetryAfter_OtherOrganizationAndLaterWritesServed()
    {
        using var client = new HttpClient { BaseAddress = _apiUrl, Timeout = TimeSpan.FromSeconds(60) };
        var acme = await SealAsync("alice", "acme");
        var globex = await SealAsync("bob", "globex");

        // 12 writes of one organization at once against 1 write unit per second per key: the SDK's retries (2) cannot
        // outlast that, so most are throttled.
        var burst = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => CreateAsync(client, acme, $"burst-{i}")));
        var statuses = burst.Select(r => r.Status).ToList();
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, string.Join(",", statuses)));
        var throttled = burst.Where(r => r.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(throttled);
        foreach (var answer in throttled)
        {
            Assert.Equal("application/problem+json", answer.MediaType);
            Assert.Equal("data_store_throttled", answer.Code);
            Assert.False(string.IsNullOrEmpty(answer.RequestId));
            Assert.Equal(TimeSpan.FromSeconds(1), answer.RetryAfter);
        }

        Assert.True((await _aws!.GetStatsAsync()).Throttled > 0);

        // Allow twins: another organization's key has its own budget; the same organization once a second has passed.
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(client, globex, "other-key")).Status);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(client, acme, "after-refill")).Status);
    }

    private async Task<string> SealAsync(string user, string organization) =>
        (await ApplicationsApiFixture.SealAsync(_aws!, user, organization, "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite, ApplicationsApiFixture.KeyBase64)).Envelope;

    private static async Task<Answer> CreateAsync(HttpClient client, string envelope, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/applications") { Content = JsonContent.Create(new { name }) };
        request.Headers.Add("X-Tenant-Context", envelope);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string? code = null, requestId = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var body = JsonDocument.Parse(text);
            code = body.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            requestId = body.RootElement.TryGetProperty("requestId", out var r) ? r.GetString() : null;
        }

        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, code, requestId, response.Headers.RetryAfter?.Delta);
    }

    private sealed record Answer(HttpStatusCode Status, string? MediaType, string? Code, string? RequestId, TimeSpan? RetryAfter);
}
