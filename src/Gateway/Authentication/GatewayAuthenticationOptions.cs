namespace Gateway.Authentication;

/// <summary>The <c>Authentication</c> section: how callers' bearer tokens are validated.</summary>
internal sealed class GatewayAuthenticationOptions
{
    public const string SectionName = "Authentication";

    /// <summary>OIDC authority; discovery at <c>{Authority}/.well-known/openid-configuration</c> (required).</summary>
    public Uri? Authority { get; set; }

    /// <summary>Expected <c>iss</c>. Default: the authority without a trailing slash.</summary>
    public string? Issuer { get; set; }

    /// <summary>Expected <c>aud</c>. Default tenant-gateway.</summary>
    public string Audience { get; set; } = "tenant-gateway";

    /// <summary>Allow an http:// authority (local development only). Default false.</summary>
    public bool AllowHttpAuthority { get; set; }

    /// <summary>Accepted signature algorithms (asymmetric only). Default RS256, ES256.</summary>
    public string[] Algorithms { get; set; } = ["RS256", "ES256"];

    /// <summary>Allowed clock skew for exp/nbf. Default 30 s, at most 60 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Claim holding the user id (looked up in the membership table). Default sub.</summary>
    public string UserIdClaim { get; set; } = "sub";

    /// <summary>Validated tokens remembered (exact token string → principal) to skip repeated signature checks; 0 disables. Default 10,000.</summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>Longest a validated token is remembered (never past its exp). Default 5 min, at most 15 min.</summary>
    public TimeSpan ValidatedTokenCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often the authority's discovery document and JWKS are fetched again. A signing key the JWKS no longer lists
    /// stops being accepted — by validation and by the validated-token cache — within this interval. Default 1 min,
    /// 1 s to 1 h.
    /// </summary>
    public TimeSpan SigningKeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Longest time since the last successful JWKS fetch during which bearer tokens are still accepted. Past it (the
    /// authority unreachable or answering errors) every token is refused with 503 <c>authority_unavailable</c>, the
    /// validated-token cache is not used and <c>/readyz</c> is unhealthy, until a fetch succeeds again. Default 10 min,
    /// at least twice <see cref="SigningKeyRefreshInterval"/>, at most 24 h.
    /// </summary>
    public TimeSpan MaxSigningKeyStaleness { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Claim that may name the organization. Default org_id.</summary>
    public string OrganizationClaim { get; set; } = "org_id";
}
