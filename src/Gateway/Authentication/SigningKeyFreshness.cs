using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gateway.Authentication;

/// <summary>
/// When the authority's JWKS was last fetched successfully (by <see cref="SigningKeyRefresher"/>). Past
/// <see cref="GatewayAuthenticationOptions.MaxSigningKeyStaleness"/> since then (or since start-up, before the first
/// success) the key set is stale: JwtBearer refuses every token (503 <c>authority_unavailable</c>), the validated-token
/// cache is not consulted and the <c>signing_keys</c> readiness check is unhealthy. Fail closed: a key the authority
/// withdrew while it could not be reached is not accepted for longer than the bound.
/// </summary>
internal sealed class SigningKeyFreshness(IOptions<GatewayAuthenticationOptions> options, TimeProvider time) : IHealthCheck
{
    private readonly TimeSpan _bound = options.Value.MaxSigningKeyStaleness;
    private long _lastSuccessTicks = time.GetUtcNow().UtcTicks;
    private long _failures;

    /// <summary>A fetch succeeded now.</summary>
    public void Fetched()
    {
        Volatile.Write(ref _lastSuccessTicks, time.GetUtcNow().UtcTicks);
        Interlocked.Exchange(ref _failures, 0);
    }

    /// <summary>A fetch failed; returns the consecutive failures so far.</summary>
    public long Failed() => Interlocked.Increment(ref _failures);

    public DateTimeOffset LastSuccess => new(Volatile.Read(ref _lastSuccessTicks), TimeSpan.Zero);

    public bool IsStale => time.GetUtcNow() - LastSuccess > _bound;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(IsStale
            ? HealthCheckResult.Unhealthy($"no JWKS fetch succeeded since {LastSuccess:O} (MaxSigningKeyStaleness {_bound}); bearer tokens are refused")
            : HealthCheckResult.Healthy($"JWKS fetched at {LastSuccess:O}"));
}
