namespace Gateway.Forwarding;

/// <summary>
/// Inbound headers a client could use to impersonate an organization, a user or AWS credentials, or to smuggle a tenant
/// context. Matching ignores case and treats <c>_</c> like <c>-</c> (oauth2-proxy CVE-2025-64484): <c>X-Tenant-*</c>,
/// <c>X-Organization-Id</c>, <c>X-User-*</c>, <c>X-Amz-*</c>, <c>X-Request-Id</c> (the gateway sets its own),
/// <c>Proxy-Authorization</c>, and <c>Authorization</c> unless the route keeps it.
/// </summary>
internal static class SpoofableHeaders
{
    private static readonly string[] Prefixes = ["x-tenant-", "x-amz-", "x-user-"];
    private static readonly string[] Exact = ["x-organization-id", "x-request-id", "proxy-authorization", "x-tenant", "x-user", "x-amz"];

    public static bool IsSpoofable(string name, bool keepAuthorization)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var prefix in Prefixes)
        {
            if (StartsWithNormalized(name, prefix))
            {
                return true;
            }
        }

        foreach (var exact in Exact)
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
