using System.Text;

namespace Gateway.Isolation;

/// <summary>
/// The rule a user id passes before Isolation keys a cache or writes a log line with it when it did not come from a
/// validated token (e.g. an eviction message read from Redis): the same rule as <c>Gateway.Authentication.IdentityClaims</c>
/// applies to the user id claim — 1 to 2,048 UTF-8 bytes (the OrganizationUsers partition key limit), no control
/// characters, no line or paragraph separators, no lone surrogates. The one copy of that rule: the host's
/// <c>IdentityClaims</c> calls <see cref="IsValidValue"/> for the user and organization claims.
/// </summary>
public static class UserIds
{
    /// <summary>DynamoDB partition key value limit (bytes, UTF-8).</summary>
    public const int MaxBytes = 2048;

    /// <summary>Whether <paramref name="value"/> is a user id Isolation may key a cache or a log line with.</summary>
    public static bool IsValid(string? value) => value is not null && IsValidValue(value, MaxBytes);

    /// <summary>
    /// Whether <paramref name="value"/> is 1 to <paramref name="maxUtf8Bytes"/> UTF-8 bytes with no control character,
    /// no line or paragraph separator and no lone surrogate (which has no UTF-8 form).
    /// </summary>
    public static bool IsValidValue(string value, int maxUtf8Bytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || value.Length > maxUtf8Bytes)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false; // a lone surrogate has no UTF-8 form
            }
        }

        return Encoding.UTF8.GetByteCount(value) <= maxUtf8Bytes;
    }
}
