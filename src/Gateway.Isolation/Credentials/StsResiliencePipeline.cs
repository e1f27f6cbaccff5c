using System.Net;
using System.Threading.RateLimiting;
using Amazon.Runtime;
using Gateway.Isolation.Configuration;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// The Polly v8 pipeline around STS, outermost first: concurrency limiter → total timeout → retry (jittered exponential
/// backoff on throttling, 5xx, network errors and attempt timeouts) → circuit breaker → attempt timeout.
/// </summary>
internal sealed class StsResiliencePipeline
{
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "ServiceUnavailable",
        "InternalFailure", "InternalError", "IDPCommunicationError", "RequestTimeout", "RequestTimeoutException",
    };

    /// <summary>The pipeline's name: Polly's telemetry (meter <c>Polly</c>, logger <c>Polly</c>) tags its events with <c>pipeline.name="sts"</c>.</summary>
    public const string Name = "sts";

    /// <summary>A pipeline built here (tests, tools): no Polly telemetry.</summary>
    public StsResiliencePipeline(StsResilienceOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        CircuitState = new CircuitBreakerStateProvider();
        var builder = new ResiliencePipelineBuilder { TimeProvider = time, Name = Name };
        Configure(builder, options, CircuitState);
        Pipeline = builder.Build();
    }

    /// <summary>The pipeline registered by name through Polly.Extensions (<c>AddResiliencePipeline("sts", …)</c>), so its retries, circuit transitions and timeouts are in Polly's metrics and logs.</summary>
    public StsResiliencePipeline(ResiliencePipeline pipeline, CircuitBreakerStateProvider circuitState)
    {
        Pipeline = pipeline;
        CircuitState = circuitState;
    }

    /// <summary>Adds the strategies, outermost first, to <paramref name="builder"/>; the circuit breaker reports to <paramref name="circuitState"/>.</summary>
    public static void Configure(ResiliencePipelineBuilder builder, StsResilienceOptions options, CircuitBreakerStateProvider circuitState)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var shouldHandle = static (Outcome<object> outcome, CancellationToken cancellationToken) => IsTransient(outcome.Exception, cancellationToken);
        builder
            .AddConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = options.MaxConcurrency, QueueLimit = options.QueueLimit })
            .AddTimeout(options.TotalTimeout);
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(shouldHandle(args.Outcome, args.Context.CancellationToken)),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
            });
        }

        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(shouldHandle(args.Outcome, args.Context.CancellationToken)),
                FailureRatio = options.CircuitFailureRatio,
                MinimumThroughput = options.CircuitMinimumThroughput,
                SamplingDuration = options.CircuitSamplingDuration,
                BreakDuration = options.CircuitBreakDuration,
                StateProvider = circuitState,
            })
            .AddTimeout(options.AttemptTimeout);
    }

    public ResiliencePipeline Pipeline { get; }

    public CircuitBreakerStateProvider CircuitState { get; }

    internal static bool IsTransient(Exception? exception, CancellationToken cancellationToken) => exception switch
    {
        null => false,
        AmazonServiceException ase => (ase.ErrorCode is { } code && TransientCodes.Contains(code))
            || (int)ase.StatusCode >= 500 || ase.StatusCode == HttpStatusCode.TooManyRequests
            || (ase.StatusCode == 0 && ase.InnerException is HttpRequestException or IOException),
        TimeoutRejectedException => true,
        HttpRequestException => true,
        IOException => true,
        AmazonClientException ace => ace.InnerException is HttpRequestException or IOException or TaskCanceledException,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
