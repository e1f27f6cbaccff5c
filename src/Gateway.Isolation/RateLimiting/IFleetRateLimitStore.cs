namespace Gateway.Isolation.RateLimiting;

/// <summary>The fleet-wide bucket of an organization (Redis); null answers mean "not available now" and the caller falls back to its local share.</summary>
internal interface IFleetRateLimitStore
{
    /// <summary>Takes one token from the fleet's bucket of <paramref name="organizationId"/>; null when the store failed, timed out or is skipped after a failure.</summary>
    ValueTask<BucketResult?> TryTakeAsync(string organizationId, double rate, int burst);
}
