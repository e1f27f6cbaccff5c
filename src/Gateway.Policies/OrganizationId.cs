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

    public static bool TryParse([NotNullWhen(true)] string? value, out OrganizationId organizationId)
        => throw new NotImplementedException();

    /// <exception cref="FormatException">The value does not match the pattern.</exception>
    public static OrganizationId Parse(string value)
        => throw new NotImplementedException();

    public override string ToString() => Value ?? string.Empty;
}
