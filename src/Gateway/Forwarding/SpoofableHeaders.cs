namespace Gateway.Forwarding;

/// <summary>
/// Inbound headers removed before forwarding, on every route. Built in (cannot be shrunk): headers a client could use to
/// impersonate an organization, a user or AWS credentials, or to smuggle a tenant context (<c>X-Tenant-*</c>,
/// <c>X-Organization-Id</c>, <c>X-User-*</c>, <c>X-Amz-*</c>, <c>X-Request-Id</c> — the gateway sets its own —,
/// <c>Proxy-Authorization</c>, and <c>Authorization</c> unless the route keeps it), and headers backends are known to
/// honour for routing, method or client identity (<c>X-Original-URL</c>, <c>X-Rewrite-URL</c>,
/// <c>X-HTTP-Method-Override</c>, <c>X-HTTP-Method</c>, <c>X-Method-Override</c>, <c>X-Forwarded-Port</c>,
/// <c>X-Real-IP</c>, <c>X-Client-IP</c>, …) or set by authenticating proxies (oauth2-proxy, ALB OIDC, Easy Auth, IAP).
/// The full list is in docs/gateway.md. <see cref="Configuration.ForwardingOptions.StripHeaders"/> adds names
/// (or prefixes ending in <c>*</c>). Matching ignores case and treats <c>_</c> like <c>-</c> (oauth2-proxy CVE-2025-64484).
/// </summary>
internal sealed class SpoofableHeaders
{
    internal static readonly string[] BuiltInPrefixes =
    [
        "x-tenant-", "x-amz-", "x-user-",
        // Identity headers set by authenticating proxies in front of backends: oauth2-proxy (X-Auth-Request-*), AWS ALB
        // OIDC (X-Amzn-Oidc-*), Azure App Service Easy Auth (X-MS-Client-Principal*), Google IAP.
        "x-auth-request-", "x-amzn-oidc-", "x-ms-client-principal", "x-goog-authenticated-user-", "x-goog-iap-",
    ];

    internal static readonly string[] BuiltInExact =
    [
        "x-organization-id", "x-request-id", "proxy-authorization", "x-tenant", "x-user", "x-amz",
        // Routing and method overrides.
        "x-original-url", "x-rewrite-url", "x-original-uri", "x-original-method", "x-original-host",
        "x-envoy-original-path", "x-forwarded-server", "x-forwarded-scheme", "x-forwarded-port",
        "x-http-method-override", "x-http-method", "x-method-override",
        // Client identity and address as other proxies and CDNs pass them.
        "x-forwarded-user", "x-forwarded-email", "x-forwarded-preferred-username", "x-forwarded-groups",
        "x-forwarded-access-token", "remote-user", "x-remote-user", "x-authenticated-user",
        "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip", "x-cluster-client-ip",
    ];

    private readonly string[] _prefixes;
    private readonly string[] _exact;

    /// <param name="extra">Additional header names; an entry ending in <c>*</c> is a prefix. Validated at start-up.</param>
    public SpoofableHeaders(IEnumerable<string>? extra = null)
    {
        var prefixes = new List<string>(BuiltInPrefixes);
        var exact = new List<string>(BuiltInExact);
        foreach (var entry in extra ?? [])
        {
            if (string.IsNullOrWhiteSpace(entry))
            {
                continue;
            }

            var normalized = entry.Trim().ToLowerInvariant().Replace('_', '-');
            var list = normalized.EndsWith('*') ? prefixes : exact;
            normalized = normalized.TrimEnd('*');
            if (normalized.Length > 0 && !list.Contains(normalized))
            {
                list.Add(normalized);
            }
        }

        _prefixes = [.. prefixes];
        _exact = [.. exact];
    }

    /// <summary>The built-in list only.</summary>
    public static SpoofableHeaders BuiltIn { get; } = new();

    public bool IsSpoofable(string name, bool keepAuthorization)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var prefix in _prefixes)
        {
            if (StartsWithNormalized(name, prefix))
            {
                return true;
            }
        }

        foreach (var exact in _exact)
        {
            if (name.Length == exact.Length && StartsWithNormalized(name, exact))
            {
                return true;
            }
        }

        return !keepAuthorization && name.Length == "authorization".Length && StartsWithNormalized(name, "authorization");
    }

    /// <summary>True when <paramref name="name"/> starts with <paramref name="lowerDashed"/>, ignoring ASCII case and reading '_' as '-'.</summary>
    private static bool StartsWithNormalized(string name, string lowerDashed)
    {
        if (name.Length < lowerDashed.Length)
        {
            return false;
        }

        for (var i = 0; i < lowerDashed.Length; i++)
        {
            var c = name[i];
            if (c == '_')
            {
                c = '-';
            }
            else if (c is >= 'A' and <= 'Z')
            {
                c = (char)(c | 0x20);
            }

            if (c != lowerDashed[i])
            {
                return false;
            }
        }

        return true;
    }
}
