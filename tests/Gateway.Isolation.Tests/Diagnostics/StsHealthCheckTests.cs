using System.Net;
using Amazon.SecurityToken;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Tests.Credentials;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Diagnostics;

public sealed class StsHealthCheckTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TenantIsolationOptions _options = TestOptions.Valid();
    private readonly StsResiliencePipeline _pipeline;
    private readonly StsCallWindow _window;
    private readonly StsHealthCheck _check;

    public StsHealthCheckTests()
    {
        _options.Sts.MaxRetries = 0;
        _pipeline = new StsResiliencePipeline(_options.Sts, _time);
        _window = new StsCallWindow(TestOptions.Wrap(_options), _time);
        _check = new StsHealthCheck(new FakeCredentialIssuer(_time), _pipeline, _window, TestOptions.Wrap(_options), _time);
    }

    private Task<HealthCheckResult> CheckAsync() => _check.CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task CheckHealthAsync_StsReachableAndAssumeRoleSucceeding_Healthy()
    {
        _window.Record(succeeded: true);
        _window.Record(succeeded: true);

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync()).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_CircuitOpen_DegradedThenHealthyOnceClosed()
    {
        var throttled = new AmazonSecurityTokenServiceException("Rate exceeded") { ErrorCode = "Throttling", StatusCode = HttpStatusCode.BadRequest };
        for (var i = 0; i < _options.Sts.CircuitMinimumThroughput; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await _pipeline.Pipeline.ExecuteAsync(_ => ValueTask.FromException<int>(throttled)));
        }

        var open = await CheckAsync();
        Assert.Equal(HealthStatus.Degraded, open.Status);
        Assert.Contains("circuit open", open.Description, StringComparison.Ordinal);

        _time.Advance(_options.Sts.CircuitBreakDuration + TimeSpan.FromSeconds(1));
        await _pipeline.Pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)); // the half-open probe succeeds
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync()).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_RecentAssumeRoleFailuresOverRatio_DegradedUntilWindowPasses()
    {
        _window.Record(succeeded: false);
        _window.Record(succeeded: false);
        _window.Record(succeeded: true);

        var degraded = await CheckAsync();
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("2 of 3 AssumeRole calls failed", degraded.Description, StringComparison.Ordinal);

        _time.Advance(_options.Sts.HealthWindow + TimeSpan.FromSeconds(1));
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync()).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_FailuresUnderRatio_Healthy()
    {
        _window.Record(succeeded: false);
        for (var i = 0; i < 3; i++)
        {
            _window.Record(succeeded: true);
        }

        Assert.Equal(HealthStatus.Healthy, (await CheckAsync()).Status);
    }

    [Fact]
    public async Task CheckHealthAsync_GetCallerIdentityFails_Unhealthy()
    {
        var check = new StsHealthCheck(new UnreachableIssuer(), _pipeline, _window, TestOptions.Wrap(_options), _time);

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    private sealed class UnreachableIssuer : ICredentialIssuer
    {
        public Task<ScopedCredentials> IssueAsync(CredentialKey key, Gateway.Policies.SessionPolicies.PermissionSet permissionSet, CancellationToken cancellationToken)
            => throw new NotSupportedException();

        public Task CheckReachableAsync(CancellationToken cancellationToken) => throw new HttpRequestException("connection refused");
    }
}
