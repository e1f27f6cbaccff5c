using System.Text;
using Gateway.Envelopes;

namespace LoadTests.Scenarios;

/// <summary>
/// The attack catalogue of the isolation scenario. Every attack must end in a non-2xx answer that contains no other
/// organization's id; anything else is a leak.
/// </summary>
internal static class Attacks
{
    public static IReadOnlyList<Attack> All { get; } =
    [
        new("cross-org-path", "member of A asks /orgs/B/applications", t =>
            HttpSteps.Get(t.Gateway, $"/orgs/{t.VictimOrganization}/applications", t.AttackerToken)),
        new("cross-org-header", "member of A asks /api/applications with X-Organization-Id: B", t =>
            WithHeader(HttpSteps.Get(t.Gateway, "/api/applications", t.AttackerToken), "X-Organization-Id", t.VictimOrganization)),
        new("header-variants", "member of A, /api/applications, identity header variants naming B (x_organization_id, X-Tenant-Id, X-User-Id, X-Amz-Security-Token)", t =>
        {
            var request = HttpSteps.Get(t.Gateway, "/api/applications", t.AttackerToken);
            request.Headers.TryAddWithoutValidation("x_organization_id", t.VictimOrganization);
            request.Headers.TryAddWithoutValidation("X-Tenant-Id", t.VictimOrganization);
            request.Headers.TryAddWithoutValidation("X-Tenant-Organization", t.VictimOrganization);
            request.Headers.TryAddWithoutValidation("X-User-Id", "ltu-victim");
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", "forged");
            return request;
        }),
        new("spoofed-envelope", "member of A asks /orgs/B/applications carrying an X-Tenant-Context forged for B", t =>
            WithHeader(HttpSteps.Get(t.Gateway, $"/orgs/{t.VictimOrganization}/applications", t.AttackerToken), "X-Tenant-Context", t.Material.ForgedEnvelopeFor(t.VictimOrganization))),
        new("spoofed-envelope-api", "member of A asks /api/applications (no organization) carrying an X-Tenant-Context forged for B", t =>
            WithHeader(HttpSteps.Get(t.Gateway, "/api/applications", t.AttackerToken), "X-Tenant-Context", t.Material.ForgedEnvelopeFor(t.VictimOrganization))),
        new("spoofed-envelope-anonymous", "no token, X-Tenant-Context forged for B, /orgs/B/applications", t =>
            WithHeader(HttpSteps.Get(t.Gateway, $"/orgs/{t.VictimOrganization}/applications"), "X-Tenant-Context", t.Material.ForgedEnvelopeFor(t.VictimOrganization))),
        new("unsafe-endpoint", "member of A calls the deliberately unsafe /orgs/A/unsafe/applications?organizationId=B", t =>
            HttpSteps.Get(t.Gateway, $"/orgs/{t.AttackerOrganization}/unsafe/applications?organizationId={t.VictimOrganization}", t.AttackerToken)),
        new("tampered-token", "A's token with its payload rewritten to another subject (signature kept)", t =>
            HttpSteps.Get(t.Gateway, $"/orgs/{t.VictimOrganization}/applications", TamperPayload(t.AttackerToken))),
        new("bad-signature", "A's token with a flipped signature byte, asking for B", t =>
            HttpSteps.Get(t.Gateway, $"/orgs/{t.VictimOrganization}/applications", FlipSignature(t.AttackerToken))),
        new("alg-none", "A's claims re-signed with alg=none, asking for B", t =>
            HttpSteps.Get(t.Gateway, $"/orgs/{t.VictimOrganization}/applications", AlgNone(t.AttackerToken))),
        new("expired-token", "A's expired token, asking for A's own data", t =>
            HttpSteps.Get(t.Gateway, $"/orgs/{t.AttackerOrganization}/applications", t.Material.ExpiredToken)),
        new("encoded-path", "member of A, /orgs/A/..%2F..%2Forgs%2FB%2Fapplications (path normalization)", t =>
            new HttpRequestMessage(HttpMethod.Get, new Uri(t.Gateway, $"/orgs/{t.AttackerOrganization}/..%2F..%2Forgs%2F{t.VictimOrganization}%2Fapplications"))
            {
                Headers = { Authorization = new("Bearer", t.AttackerToken) },
            }),
    ];

    /// <summary>An envelope for <paramref name="organization"/> sealed with the local development key (as if the key leaked).</summary>
    public static Func<string, string> EnvelopeForger(TimeProvider time)
    {
        var writer = new TenantEnvelopeWriter(EnvelopeKey.FromBase64(DevelopmentEnvelopeKeys.LocalKeyId, DevelopmentEnvelopeKeys.LocalKeyBase64), "tenant-gateway", time);
        return organization => writer.Write(
            new TenantEnvelope
            {
                OrganizationId = organization,
                UserId = "ltu-forged",
                Role = "ADMINISTRATOR",
                RequestId = "forged",
                PermissionSet = "read-write",
                AccessKeyId = "ASIAFORGEDFORGED0001",
                SecretAccessKey = "forged-secret",
                SessionToken = "forged-session-token",
                CredentialExpiration = time.GetUtcNow().AddHours(1),
            },
            "applications",
            TimeSpan.FromMinutes(5));
    }

    internal static string TamperPayload(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return jwt + "x";
        }

        var payload = Encoding.UTF8.GetString(Base64UrlDecode(parts[1]));
        var tampered = payload.Replace("\"sub\":\"", "\"sub\":\"x", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncode(Encoding.UTF8.GetBytes(tampered))}.{parts[2]}";
    }

    internal static string FlipSignature(string jwt)
    {
        var dot = jwt.LastIndexOf('.');
        if (dot < 0 || dot + 2 >= jwt.Length)
        {
            return jwt + "x";
        }

        var i = dot + 1 + ((jwt.Length - dot - 1) / 2);
        var c = jwt[i] == 'A' ? 'B' : 'A';
        return string.Concat(jwt.AsSpan(0, i), c.ToString(), jwt.AsSpan(i + 1));
    }

    internal static string AlgNone(string jwt)
    {
        var parts = jwt.Split('.');
        var header = Base64UrlEncode("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8.ToArray());
        return parts.Length == 3 ? $"{header}.{parts[1]}." : jwt;
    }

    private static HttpRequestMessage WithHeader(HttpRequestMessage request, string name, string value)
    {
        request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        return Convert.FromBase64String(s);
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
