using System.Diagnostics;
using System.Net;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Testing;
using static LocalAws.Tests.LocalAwsFixture;

namespace LocalAws.Tests.Sts;

/// <summary>Fault injection (<c>POST /_localaws/faults</c>) as the STS SDK client sees it.</summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class StsFaultTests(LocalAwsFixture fixture) : IAsyncLifetime
{
    private readonly AmazonSecurityTokenServiceClient _gateway = fixture.Host.CreateStsClient(fixture.Host.GatewayCredentials);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await fixture.Host.ClearFaultsAsync();
        _gateway.Dispose();
    }

    private static AssumeRoleRequest Request() => new()
    {
        RoleArn = LocalAwsHost.TenantRoleArn,
        RoleSessionName = "fault-test",
        Policy = SessionPolicyJson(OrgA),
        DurationSeconds = 900,
    };

    [Theory]
    [InlineData("throttle", "Throttling", HttpStatusCode.BadRequest)]
    [InlineData("error", "InternalFailure", HttpStatusCode.InternalServerError)]
    [InlineData("unavailable", "ServiceUnavailable", HttpStatusCode.ServiceUnavailable)]
    public async Task AssumeRole_FaultMode_ProducesSdkException(string mode, string code, HttpStatusCode status)
    {
        await fixture.Host.SetStsFaultAsync(mode);
        var e = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => _gateway.AssumeRoleAsync(Request()));
        Assert.Equal(code, e.ErrorCode);
        Assert.Equal(status, e.StatusCode);
    }

    [Fact]
    public async Task AssumeRole_FaultCleared_Succeeds()
    {
        await fixture.Host.SetStsFaultAsync("throttle");
        await fixture.Host.ClearFaultsAsync();
        var response = await _gateway.AssumeRoleAsync(Request());
        Assert.StartsWith("ASIA", response.Credentials.AccessKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_ThrottleWithSdkRetries_RetriesThenThrows()
    {
        await fixture.Host.SetStsFaultAsync("throttle");
        using var retrying = fixture.Host.CreateStsClient(fixture.Host.GatewayCredentials, c => c.MaxErrorRetry = 2);
        var before = (await fixture.Host.GetStatsAsync()).AssumeRoleCalls;
        var e = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => retrying.AssumeRoleAsync(Request()));
        Assert.Equal("Throttling", e.ErrorCode);
        var calls = (await fixture.Host.GetStatsAsync()).AssumeRoleCalls - before;
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task AssumeRole_Latency_SucceedsAfterDelay()
    {
        await fixture.Host.SetStsFaultAsync("latency", latencyMs: 300);
        var watch = Stopwatch.StartNew();
        var response = await _gateway.AssumeRoleAsync(Request());
        Assert.True(watch.ElapsedMilliseconds >= 290, $"took {watch.ElapsedMilliseconds} ms");
        Assert.StartsWith("ASIA", response.Credentials.AccessKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_FaultWithDuration_EndsByItself()
    {
        var watch = Stopwatch.StartNew();
        await fixture.Host.SetStsFaultAsync("throttle", durationSeconds: 1);
        await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => _gateway.AssumeRoleAsync(Request()));

        // The fault runs on LocalAws's wall clock: poll until it ends, with a bounded deadline (no fixed sleep).
        AssumeRoleResponse? response = null;
        while (response is null && watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                response = await _gateway.AssumeRoleAsync(Request());
            }
            catch (AmazonSecurityTokenServiceException e) when (e.ErrorCode == "Throttling")
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(response?.Credentials);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"the 1-second fault ended after {watch.Elapsed}");
    }
}
