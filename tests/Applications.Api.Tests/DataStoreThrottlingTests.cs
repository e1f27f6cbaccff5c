using System.Net;
using Gateway.Testing;

namespace Applications.Api.Tests;

/// <summary>
/// The sample API (real process) against a LocalAws whose per-partition-key write budget is 1 unit per second: a burst of
/// writes by one organization is throttled by DynamoDB beyond the SDK's retries, and the API answers 503 problem+json
/// <c>data_store_throttled</c> with <c>Retry-After</c> (it answered a bare 500 before). Allow twins: another organization's
/// write at the same time (another key, its own budget) and the same organization's write once the budget refilled.
/// Own processes, because the budget is LocalAws's start-up option.
/// </summary>
public sealed class DataStoreThrottlingTests : OwnApiProcessesTest
{
    protected override LocalAwsHostOptions AwsOptions { get; } = new() { PartitionWriteUnits = 1 };

    [Fact]
    public async Task WritesOverThePartitionBudget_503DataStoreThrottledWithRetryAfter_OtherOrganizationAndLaterWritesServed()
    {
        using var client = CreateClient(TimeSpan.FromSeconds(60));
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

        Assert.True((await Aws.GetStatsAsync()).Throttled > 0);

        // Allow twins: another organization's key has its own budget; the same organization once a second has passed.
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(client, globex, "other-key")).Status);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(client, acme, "after-refill")).Status);
    }
}
