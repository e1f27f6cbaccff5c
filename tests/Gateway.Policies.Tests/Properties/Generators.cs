using CsCheck;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Tests.Properties;

/// <summary>CsCheck generators shared by the property tests.</summary>
internal static class Generators
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Valid organization ids: 1–64 of [A-Za-z0-9._-], first character a letter or digit.</summary>
    public static readonly Gen<string> OrganizationIdText =
        Gen.Select(Gen.Char[Alphanumeric], Gen.Char[Alphanumeric + "._-"].Array[0, 63], (first, rest) => first + new string(rest));

    public static readonly Gen<OrganizationId> OrganizationId = OrganizationIdText.Select(Policies.OrganizationId.Parse);

    /// <summary>Two different organization ids, often sharing a prefix (acme / acme-eu style).</summary>
    public static readonly Gen<(string A, string B)> TwoOrganizations = Gen.OneOf(
        Gen.Select(OrganizationIdText, OrganizationIdText).Where((a, b) => a != b),
        Gen.Select(OrganizationIdText.Where(a => a.Length < 60), Gen.Char[Alphanumeric + "._-"].Array[1, 4])
            .Select((a, suffix) => (a, a + new string(suffix))));

    /// <summary>Arbitrary Unicode text for item keys and user ids (including quotes, backslashes, control chars).</summary>
    public static readonly Gen<string> AnyText = Gen.String[0, 40];

    public static readonly Gen<string> TableName =
        Gen.Char[Alphanumeric + "_.-"].Array[3, 40].Select(chars => new string(chars));

    public static readonly Gen<TableAccess> TableAccess =
        Gen.Select(TableName, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool)
            .Select((name, read, write, indexes, partiql) => new TableAccess
            {
                TableName = name,
                PartitionKey = "organizationId",
                Read = read || !write,
                Write = write,
                IncludeIndexes = indexes,
                PartiQL = partiql,
            });

    public static readonly Gen<PermissionSet> PermissionSet =
        TableAccess.Array[1, 4]
            .Where(tables => tables.Select(t => t.TableName).Distinct(StringComparer.Ordinal).Count() == tables.Length)
            .Select(tables => new PermissionSet { Name = "generated", Tables = tables });
}
