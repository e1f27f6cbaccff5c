using System.Security.Cryptography;

namespace Gateway.Envelopes;

/// <summary>
/// Envelope keys that are public: published in this repository for local development (run.sh, the samples' and the
/// gateway's <c>appsettings.Local.json</c>, the tests). Anyone can seal an envelope with them, claiming any organization,
/// user and role, so backends and the gateway refuse them at start-up outside the Development and Local environments.
/// Keys are compared by their bytes, never by key id.
/// </summary>
public static class DevelopmentEnvelopeKeys
{
    /// <summary>The environment names (case-insensitive) in which the published keys are accepted.</summary>
    public static IReadOnlyList<string> AllowedEnvironments { get; } = ["Development", "Local"];

    /// <summary>Key id of <see cref="LocalKeyBase64"/> in this repository's configuration.</summary>
    public const string LocalKeyId = "local-1";

    /// <summary>
    /// The repository's local development key, base64 of the 64 ASCII bytes
    /// <c>local-development-envelope-key-not-for-production-use-0123456789</c>: what run.sh, the appsettings.Local.json
    /// files, the tests and the load tests use. Public, hence refused outside <see cref="AllowedEnvironments"/>.
    /// </summary>
    public const string LocalKeyBase64 = "bG9jYWwtZGV2ZWxvcG1lbnQtZW52ZWxvcGUta2V5LW5vdC1mb3ItcHJvZHVjdGlvbi11c2UtMDEyMzQ1Njc4OQ==";

    private static readonly byte[][] Published =
    [
        Convert.FromBase64String(LocalKeyBase64),
    ];

    /// <summary>True when <paramref name="key"/> is the material of a published development key.</summary>
    public static bool IsPublished(ReadOnlySpan<byte> key)
    {
        foreach (var published in Published)
        {
            if (CryptographicOperations.FixedTimeEquals(key, published))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for the environments in which published development keys may be used (Development, Local).</summary>
    public static bool AllowedIn(string? environmentName) =>
        environmentName is not null && AllowedEnvironments.Any(e => string.Equals(e, environmentName, StringComparison.OrdinalIgnoreCase));
}
