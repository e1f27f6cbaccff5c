namespace Gateway.Authentication;

/// <summary>
/// Why a request was refused before the tenant pipeline (the audit <c>reason</c> of a 401/403): set by the JwtBearer
/// events, read when the refusal is written. A fixed set of values, so per-reason rate limiting stays bounded.
/// </summary>
internal static class AuthenticationRefusal
{
    /// <summary>No bearer token was presented.</summary>
    public const string NoToken = "no_token";

    /// <summary>The token failed validation (signature, issuer, audience, lifetime, algorithm…).</summary>
    public const string InvalidToken = "invalid_token";

    /// <summary>The token is valid but its user id or organization claim is missing, repeated, too long or holds control characters.</summary>
    public const string InvalidIdentity = "invalid_identity";

    /// <summary>No JWKS fetch succeeded for longer than <c>MaxSigningKeyStaleness</c>: no token is accepted (503).</summary>
    public const string SigningKeysStale = "signing_keys_stale";

    /// <summary>Authenticated, but the route's authorization policy denies.</summary>
    public const string PolicyDenied = "policy_denied";

    private static readonly object ItemKey = new();

    public static void Set(HttpContext context, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[ItemKey] = reason;
    }

    /// <summary>The recorded reason; otherwise <see cref="InvalidToken"/> when an Authorization header was sent, else <see cref="NoToken"/>.</summary>
    public static string Get(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(ItemKey, out var value) && value is string reason)
        {
            return reason;
        }

        return context.Request.Headers.Authorization.Count > 0 ? InvalidToken : NoToken;
    }
}
