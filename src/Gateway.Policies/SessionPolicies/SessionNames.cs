using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Policies.SessionPolicies;

/// <summary>
/// Derives STS RoleSessionName and SourceIdentity values (2–64 characters of <c>[\w+=,.@-]</c>) from organization and
/// user ids. Characters outside the set are replaced and a hash suffix is appended whenever the value was changed or
/// truncated, so distinct inputs never collide.
/// </summary>
/// <remarks>
/// An input that is already valid is returned unchanged. Otherwise the result is
/// <c>{sanitized prefix}-{16 hex chars of SHA-256(input)}</c>, so two different inputs only collide if their SHA-256
/// prefixes collide (64 bits). A per-user RoleSessionName is <c>{org}@{user}</c>: an organization id cannot contain
/// <c>@</c>, so the first <c>@</c> separates the two unambiguously.
/// </remarks>
public static class SessionNames
{
    public const int MaxLength = 64;
    public const int MinLength = 2;

    private const int HashChars = 16;
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+=,.@-");

    /// <summary>RoleSessionName for an organization-scoped session (user null) or a per-user session.</summary>
    public static string RoleSessionName(OrganizationId organizationId, string? userId = null)
    {
        if (!organizationId.IsValid)
        {
            throw new ArgumentException("The organization id is not initialized.", nameof(organizationId));
        }

        var raw = userId is null ? organizationId.Value : string.Concat(organizationId.Value, "@", userId);
        return Derive(raw);
    }

    /// <summary>SourceIdentity for a user id (never starts with <c>aws:</c>).</summary>
    public static string SourceIdentity(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        // ':' is outside the allowed set, so a derived value can never start with "aws:".
        return Derive(userId);
    }

    /// <summary>True when the value is 2–64 characters of <c>[\w+=,.@-]</c> (ASCII word characters).</summary>
    public static bool IsValid(string? value)
        => value is { Length: >= MinLength and <= MaxLength } && !value.AsSpan().ContainsAnyExcept(Allowed);

    private static string Derive(string raw)
    {
        if (IsValid(raw))
        {
            return raw;
        }

        var prefixLength = Math.Min(raw.Length, MaxLength - HashChars - 1);
        var builder = new StringBuilder(prefixLength + HashChars + 1);
        for (var i = 0; i < prefixLength; i++)
        {
            var c = raw[i];
            builder.Append(Allowed.Contains(c) ? c : '_');
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(raw), hash);
        builder.Append('-').Append(Convert.ToHexStringLower(hash[..(HashChars / 2)]));
        return builder.ToString();
    }
}
