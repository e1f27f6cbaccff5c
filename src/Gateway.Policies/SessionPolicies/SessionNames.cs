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
/// prefixes collide (64 bits). A RoleSessionName is <c>{org}+{permission set}</c>, per user <c>{org}+{permission set}@{user}</c>:
/// an organization id cannot contain <c>+</c> or <c>@</c>, and <c>+</c>/<c>@</c> in a permission set name force the
/// hashed form, so the first <c>+</c> and the first <c>@</c> after it separate the parts unambiguously.
/// </remarks>
public static class SessionNames
{
    public const int MaxLength = 64;
    public const int MinLength = 2;

    private const int HashChars = 16;
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+=,.@-");

    /// <summary>
    /// RoleSessionName for an (organization, permission set) session, or a per-user one: <c>{org}+{set}</c> or
    /// <c>{org}+{set}@{user}</c>. An organization id contains neither <c>+</c> nor <c>@</c>, and a permission set name
    /// containing either is replaced by <c>_</c> with the hash suffix, so the parts are unambiguous and CloudTrail's
    /// roleSessionName alone names the organization and the permission set.
    /// </summary>
    public static string RoleSessionName(OrganizationId organizationId, string permissionSet, string? userId)
    {
        if (!organizationId.IsValid)
        {
            throw new ArgumentException("The organization id is not initialized.", nameof(organizationId));
        }

        ArgumentException.ThrowIfNullOrEmpty(permissionSet);
        if (userId is { Length: 0 })
        {
            throw new ArgumentException("The user id is empty.", nameof(userId));
        }

        var set = permissionSet.Replace('+', '_').Replace('@', '_');
        var replaced = !string.Equals(set, permissionSet, StringComparison.Ordinal);
        var raw = Join(organizationId.Value, permissionSet, userId);
        return Derive(raw, replaced ? Join(organizationId.Value, set, userId) : raw, forceHash: replaced);
    }

    private static string Join(string organization, string permissionSet, string? userId)
        => userId is null ? string.Concat(organization, "+", permissionSet) : string.Concat(organization, "+", permissionSet, "@", userId);

    /// <summary>SourceIdentity for a user id (never starts with <c>aws:</c>).</summary>
    public static string SourceIdentity(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        // ':' is outside the allowed set, so a derived value can never start with "aws:".
        return Derive(userId, userId, forceHash: false);
    }

    /// <summary>True when the value is 2–64 characters of <c>[\w+=,.@-]</c> (ASCII word characters).</summary>
    public static bool IsValid(string? value)
        => value is { Length: >= MinLength and <= MaxLength } && !value.AsSpan().ContainsAnyExcept(Allowed);

    /// <summary><paramref name="shown"/> when valid (and not forced); otherwise its sanitized prefix and a hash of <paramref name="raw"/>.</summary>
    private static string Derive(string raw, string shown, bool forceHash)
    {
        if (!forceHash && IsValid(shown))
        {
            return shown;
        }

        var prefixLength = Math.Min(shown.Length, MaxLength - HashChars - 1);
        var builder = new StringBuilder(prefixLength + HashChars + 1);
        for (var i = 0; i < prefixLength; i++)
        {
            var c = shown[i];
            builder.Append(Allowed.Contains(c) ? c : '_');
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(raw), hash);
        builder.Append('-').Append(Convert.ToHexStringLower(hash[..(HashChars / 2)]));
        return builder.ToString();
    }
}
