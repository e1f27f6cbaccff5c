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

    /// <summary>
    /// Two different organization ids, mostly near-misses of each other: unrelated, B an extension of A (acme /
    /// acme-eu), B a prefix of A, B a case variant of A (Acme / acme), or A and B differing only in one separator
    /// (<c>acme-eu</c> / <c>acme_eu</c> / <c>acme.eu</c>). An evaluator that compares loosely lets B through.
    /// </summary>
    public static readonly Gen<(string A, string B)> TwoOrganizations = Gen.OneOf(
        Gen.Select(OrganizationIdText, OrganizationIdText).Where((a, b) => a != b),
        Extension(),
        Extension().Select(pair => (pair.B, pair.A)),
        CaseVariant(),
        SeparatorSwap())
        .Where((a, b) => a != b);

    private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string Separators = "-_.";

    /// <summary>(A, A + 1–4 more characters).</summary>
    private static Gen<(string A, string B)> Extension() =>
        Gen.Select(OrganizationIdText.Where(a => a.Length < 61), Gen.Char[Alphanumeric + Separators].Array[1, 4])
            .Select((a, suffix) => (a, a + new string(suffix)));

    /// <summary>(A, A with the case of one of its letters flipped, or all of them).</summary>
    private static Gen<(string A, string B)> CaseVariant() =>
        Gen.Select(OrganizationIdText.Where(a => a.Length < 64), Gen.Char[Letters], Gen.Int[0, 63], Gen.Int[0, 63], Gen.Bool)
            .Select((text, letter, insertAt, flipAt, all) =>
            {
                var a = text.Insert(1 + (insertAt % text.Length), letter.ToString()); // guarantees a letter after the first character
                if (all)
                {
                    var inverted = new string(a.Select(c => char.IsAsciiLetterUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray());
                    return (a, inverted);
                }

                var letters = Enumerable.Range(0, a.Length).Where(i => char.IsAsciiLetter(a[i])).ToArray();
                var chars = a.ToCharArray();
                var at = letters[flipAt % letters.Length];
                chars[at] = char.IsAsciiLetterUpper(chars[at]) ? char.ToLowerInvariant(chars[at]) : char.ToUpperInvariant(chars[at]);
                return (a, new string(chars));
            });

    /// <summary>(left + s1 + right, left + s2 + right) with s1 ≠ s2 among <c>-</c>, <c>_</c>, <c>.</c>.</summary>
    private static Gen<(string A, string B)> SeparatorSwap() =>
        Gen.Select(OrganizationIdText.Where(a => a.Length < 63), Gen.Char[Alphanumeric + Separators].Array[0, 12], Gen.Int[0, 2], Gen.Int[1, 2])
            .Select((left, right, first, shift) =>
            {
                var rest = new string(right[..Math.Min(right.Length, 63 - left.Length)]);
                return (left + Separators[first] + rest, left + Separators[(first + shift) % 3] + rest);
            });

    /// <summary>Arbitrary Unicode text for item keys and user ids (including quotes, backslashes, control chars).</summary>
    public static readonly Gen<string> AnyText = Gen.String[0, 40];

    public static readonly Gen<string> TableName =
        Gen.Char[Alphanumeric + "_.-"].Array[3, 40].Select(chars => new string(chars));

    /// <summary>Attribute names for partition and sort keys: the usual ones and generated ones (quotes-free, so
    /// they can also appear in PartiQL statements).</summary>
    public static readonly Gen<string> AttributeName = Gen.OneOf(
        Gen.OneOf("organizationId", "tenantId", "orgId", "pk", "PK", "organization_id", "OrganizationId", "organizationid", "applicationId", "id"),
        Gen.Select(Gen.Char[Letters], Gen.Char[Alphanumeric + "_-."].Array[0, 30]).Select((first, rest) => first + new string(rest)));

    /// <summary>A tenant table with generated key names, 1–3 indexes, an index kept out of any explicit list, and
    /// indexes granted either as <c>index/*</c> or as an explicit list.</summary>
    public static readonly Gen<TableShape> TableShape =
        Gen.Select(TableName, AttributeName, AttributeName, TableName.Array[1, 3], TableName, Gen.Bool)
            .Where((_, pk, sk, indexes, unlisted, _) =>
                pk != sk && indexes.Distinct(StringComparer.Ordinal).Count() == indexes.Length && !indexes.Contains(unlisted, StringComparer.Ordinal))
            .Select((table, pk, sk, indexes, unlisted, explicitIndexes) => new TableShape(table, pk, sk, indexes, unlisted, explicitIndexes));

    /// <summary>The shipped table (Applications, organizationId, ByName) half the time, a generated one otherwise.</summary>
    public static readonly Gen<TableShape> AnyTableShape = Gen.OneOf(
        Gen.Const(new TableShape("Applications", "organizationId", "applicationId", ["ByName"], "ByCreator", ExplicitIndexes: false)),
        TableShape);

    public static readonly Gen<TableAccess> TableAccess =
        Gen.Select(TableName, AttributeName, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, TableName.Array[0, 3].Null())
            .Select((name, partitionKey, read, write, indexes, partiql, indexList) => new TableAccess
            {
                TableName = name,
                PartitionKey = partitionKey,
                Read = read || !write,
                Write = write,
                IncludeIndexes = indexes,
                Indexes = indexList,
                PartiQL = partiql,
            });

    public static readonly Gen<PermissionSet> PermissionSet =
        TableAccess.Array[1, 4]
            .Where(tables => tables.Select(t => t.TableName).Distinct(StringComparer.Ordinal).Count() == tables.Length)
            .Select(tables => new PermissionSet { Name = "generated", Tables = tables });
}
