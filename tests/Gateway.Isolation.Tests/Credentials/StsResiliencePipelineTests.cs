using System.Net;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Gateway.Isolation.Tests.Credentials;

public sealed class StsResiliencePipelineTests
{
    public static TheoryData<Exception, bool> Cases => new()
    {
        { new AmazonSecurityTokenServiceException("Rate exceeded") { ErrorCode = "Throttling", StatusCode = HttpStatusCode.BadRequest }, true },
        { new AmazonSecurityTokenServiceException("boom") { ErrorCode = "InternalFailure", StatusCode = HttpStatusCode.InternalServerError }, true },
        { new AmazonSecurityTokenServiceException("x") { StatusCode = HttpStatusCode.ServiceUnavailable }, true },
        { new HttpRequestException("connection refused"), true },
        { new TimeoutRejectedException(), true },
        { new AmazonSecurityTokenServiceException("denied") { ErrorCode = "AccessDenied", StatusCode = HttpStatusCode.Forbidden }, false },
        { new MalformedPolicyDocumentException("bad policy") { StatusCode = HttpStatusCode.BadRequest }, false },
        { new InvalidOperationException(), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsTransient_ClassifiesStsFailures(Exception exception, bool transient)
        => Assert.Equal(transient, StsResiliencePipeline.IsTransient(exception, CancellationToken.None));

    [Fact]
    public async Task Pipeline_RetriesThrottlingThenSucceeds()
    {
        var options = new StsResilienceOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetries = 2 };
        var pipeline = new StsResiliencePipeline(options, TimeProvider.System).Pipeline;
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            if (attempts < 3)
            {
                throw new AmazonSecurityTokenServiceException("Rate exceeded") { ErrorCode = "Throttling" };
            }

            return ValueTask.FromResult("ok");
        });

        Assert.Equal("ok", result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Pipeline_DoesNotRetryAccessDenied()
    {
        var pipeline = new StsResiliencePipeline(new StsResilienceOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(1) }, TimeProvider.System).Pipeline;
        var attempts = 0;

        await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(async () => await pipeline.ExecuteAsync<string>(_ =>
        {
            attempts++;
            throw new AmazonSecurityTokenServiceException("denied") { ErrorCode = "AccessDenied", StatusCode = HttpStatusCode.Forbidden };
        }));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Pipeline_RepeatedFailures_OpenTheCircuit()
    {
        var options = new StsResilienceOptions { MaxRetries = 0, CircuitMinimumThroughput = 2, CircuitFailureRatio = 0.5, CircuitBreakDuration = TimeSpan.FromSeconds(30) };
        var sts = new StsResiliencePipeline(options, TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            try
            {
                await sts.Pipeline.ExecuteAsync<string>(_ => throw new HttpRequestException("down"));
            }
            catch (HttpRequestException)
            {
            }
            catch (BrokenCircuitException)
            {
            }
        }

        Assert.Equal(CircuitState.Open, sts.CircuitState.CircuitState);
        var broken = await Assert.ThrowsAsync<BrokenCircuitException>(async () => await sts.Pipeline.ExecuteAsync(_ => ValueTask.FromResult("never")));
        Assert.NotNull(broken.RetryAfter);
    }
}
