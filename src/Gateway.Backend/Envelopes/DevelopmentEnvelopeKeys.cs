using System.Security.Cryptography;

namespace Gateway.Backend.Envelopes;

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

    // "local-development-envelope-key-not-for-production-use-0123456789" (key id local-1 in this repository).
    private static readonly byte[][] Published =
    [
        Convert.FromBase64String("bG9jYWwtZGV2ZWxvcG1lbnQtZW52ZWxvcGUta2V5LW5vdC1mb3ItcHJvZHVjdGlvbi11c2UtMDEyMzQ1Njc4OQ=="),
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
