using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Envelopes.Tests;

internal static class EnvelopeTestData
{
    public const string Issuer = "tenant-gateway";
    public const string Audience = "applications";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETSECRET";
    public const string Token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";

    /// <summary>The team's local development key (CONTRACTS.md).</summary>
    public const string LocalKeyBase64 = DevelopmentEnvelopeKeys.LocalKeyBase64;

    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static EnvelopeKey LocalKey => EnvelopeKey.FromBase64(DevelopmentEnvelopeKeys.LocalKeyId, LocalKeyBase64);

    public static EnvelopeKey KeyOf(string keyId, byte fill) => new(keyId, Enumerable.Repeat(fill, EnvelopeKey.KeySizeInBytes).ToArray());

    public static FakeTimeProvider Clock() => new(Start);

    public static TenantEnvelope Envelope(DateTimeOffset? credentialExpiration = null, string? sessionToken = null) => new()
    {
        OrganizationId = "acme",
        UserId = "alice",
        Role = "ADMINISTRATOR",
        RequestId = "req-0001",
        PermissionSet = "read-write",
        AccessKeyId = "ASIAEXAMPLEACCESSKEY",
        SecretAccessKey = Secret,
        SessionToken = sessionToken ?? Token,
        CredentialExpiration = credentialExpiration ?? Start.AddHours(1),
    };

    public static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
