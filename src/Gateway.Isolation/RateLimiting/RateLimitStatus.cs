using Gateway.Isolation.Configuration;

namespace Gateway.Isolation.RateLimiting;

/// <summary>
/// What the host tells the client about an organization's rate limit (draft-ietf-httpapi-ratelimit-headers):
/// the policy (<see cref="Tier"/>, quota <see cref="Quota"/> over <see cref="WindowSeconds"/>) and the current state
/// (<see cref="Remaining"/> requests, <see cref="ResetSeconds"/> until the bucket is full again). Present only when the
/// organization's tier sets <see cref="RateLimitTierOptions.RequestsPerSecond"/>.
/// </summary>
public sealed record RateLimitStatus(string Tier, int Quota, int WindowSeconds, long Remaining, int ResetSeconds);
