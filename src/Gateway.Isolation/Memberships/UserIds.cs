using System.Text;

namespace Gateway.Isolation.Memberships;

/// <summary>
/// The rule a user id passes before Isolation keys a cache or writes a log line with it when it did not come from a
/// validated token (e.g. an eviction message read from Redis): the same rule as <c>Gateway.Authentication.IdentityClaims</c>
/// applies to the user id claim — 1 to 2,048 UTF-8 bytes (the OrganizationUsers partition key limit), no control
/// characters, no line or paragraph separators, no lone surrogates.
/// </summary>
internal static class UserIds
{
    /// <summary>DynamoDB partition key value limit (bytes, UTF-8).</summary>
    public const int MaxBytes = 2048;

    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxBytes)
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
                return false;
            }
        }

        return Encoding.UTF8.GetByteCount(value) <= MaxBytes;
    }
}
