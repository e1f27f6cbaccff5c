using System.Globalization;
using Gateway.Isolation.RateLimiting;

namespace Gateway.Tenancy;

/// <summary>
/// The IETF rate limit headers (draft-ietf-httpapi-ratelimit-headers-11, the current draft): <c>RateLimit-Policy</c>
/// (the tier as the policy name, <c>q</c> = the tier's burst, <c>w</c> = seconds to refill it) and <c>RateLimit</c>
/// (<c>r</c> = requests left now, <c>t</c> = seconds until the bucket is full again), on allowed requests and on 429
/// <c>organization_rate_limited</c> alike, e.g. <c>RateLimit-Policy: "default";q=100;w=1</c> and
/// <c>RateLimit: "default";r=0;t=1</c>. Nothing is written when the organization's tier sets no rate.
/// </summary>
internal static class RateLimitHeaders
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string StateHeader = "RateLimit";

    private static PolicyText? s_lastPolicy;

    public static void Write(HttpResponse response, RateLimitStatus? status)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (status is null)
        {
            return;
        }

        // Tier names are [A-Za-z0-9._-] (validated), so they are valid structured-field strings as they are.
        response.Headers[PolicyHeader] = PolicyValue(status);
        response.Headers[StateHeader] = string.Create(CultureInfo.InvariantCulture, $"\"{status.Tier}\";r={status.Remaining};t={status.ResetSeconds}");
    }

    /// <summary>
    /// The <c>RateLimit-Policy</c> value: the same for every request of a tier, so the last one built is reused while the
    /// tier, quota and window are those it was built for (one compare instead of a string per request).
    /// </summary>
    internal static string PolicyValue(RateLimitStatus status)
    {
        var last = Volatile.Read(ref s_lastPolicy);
        if (last is not null && last.Quota == status.Quota && last.WindowSeconds == status.WindowSeconds && string.Equals(last.Tier, status.Tier, StringComparison.Ordinal))
        {
            return last.Value;
        }

        var value = string.Create(CultureInfo.InvariantCulture, $"\"{status.Tier}\";q={status.Quota};w={status.WindowSeconds}");
        Volatile.Write(ref s_lastPolicy, new PolicyText(status.Tier, status.Quota, status.WindowSeconds, value));
        return value;
    }

    private sealed record PolicyText(string Tier, int Quota, int WindowSeconds, string Value);
}
