using System.Diagnostics.CodeAnalysis;

namespace Gateway.Policies;

/// <summary>
/// A validated organization (tenant) identifier: 1–64 characters of <c>[A-Za-z0-9._-]</c>, starting with a
/// letter or digit. No wildcard (<c>*</c>, <c>?</c>), JSON-significant (<c>"</c>, <c>\</c>), ARN-significant
/// (<c>:</c>, <c>/</c>), policy-variable (<c>$</c>), whitespace or control characters can appear, so the value is
/// safe inside a session policy, a RoleSessionName and a cache key. An invalid value cannot be constructed.
/// </summary>
public readonly record struct OrganizationId
{
    public const int MaxLength = 64;

    private OrganizationId(string value) => Value = value;

    public string Value { get; }

    /// <summary>False for <c>default(OrganizationId)</c>, which holds no value and is rejected by every consumer.</summary>
    public bool IsValid => Value is not null;

    public static bool TryParse([NotNullWhen(true)] string? value, out OrganizationId organizationId)
    {
        if (IsWellFormed(value))
        {
            organizationId = new OrganizationId(value);
            return true;
        }

        organizationId = default;
        return false;
    }

    /// <exception cref="FormatException">The value does not match the pattern.</exception>
    public static OrganizationId Parse(string value)
    {
        // The message never echoes the input: it may come from an untrusted request.
        return TryParse(value, out var id)
            ? id
            : throw new FormatException("An organization id must be 1-64 characters of [A-Za-z0-9._-] starting with a letter or digit.");
    }

    /// <summary>True when <paramref name="value"/> matches the pattern (no allocation).</summary>
    public static bool IsWellFormed([NotNullWhen(true)] string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || !char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}
