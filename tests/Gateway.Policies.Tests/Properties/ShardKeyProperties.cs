using CsCheck;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Tests.Properties;

/// <summary>
/// Shard keys (<c>{org}#{k}</c>) over generated organization ids, mostly near misses (<c>acme</c> / <c>acme-2</c> /
/// <c>acme.x</c> / <c>Acme</c> / prefixes), half of them padded to 64 characters so the builder's pattern form
/// (<c>{org}#*</c>) is generated too. Fixed iteration counts (docs/policies.md).
/// </summary>
public class ShardKeyProperties
{
    public const int DisjointCases = 20_000;
    public const int PolicyCases = 3_000;

    private static readonly Gen<ShardCount> AnyShards = Gen.OneOf(1, 2, 4, 8, 16, 32, 64).Select(n => ShardCount.Create(n));

    /// <summary>Two different organizations, half of the pairs with a common prefix that makes the longer one 64 characters.</summary>
    private static readonly Gen<(OrganizationId A, OrganizationId B)> TwoOrganizations =
        Gen.Select(Generators.TwoOrganizations, Gen.Bool).Select((pair, pad) =>
        {
            var prefix = pad ? new string('p', OrganizationId.MaxLength - Math.Max(pair.A.Length, pair.B.Length)) : string.Empty;
            return (OrganizationId.Parse(prefix + pair.A), OrganizationId.Parse(prefix + pair.B));
        });

    /// <summary>
    /// The alphabet argument, checked: <c>#</c> is never part of an organization id, so for A ≠ B no key of B is a key of
    /// A and no key of B starts with <c>A#</c> (what the pattern form matches) — for every pair of shard counts.
    /// </summary>
    [Fact]
    public void KeysOfDifferentOrganizations_NeverMeet_NorMatchTheOthersPattern()
    {
        Gen.Select(TwoOrganizations, AnyShards, AnyShards).Sample((orgs, shardsA, shardsB) =>
        {
            var keysA = new HashSet<string>(shardsA.PartitionKeys(orgs.A), StringComparer.Ordinal) { orgs.A.Value };
            var pattern = orgs.A.Value + ShardCount.Separator;

            Assert.DoesNotContain(ShardCount.Separator, orgs.A.Value);
            foreach (var key in shardsB.PartitionKeys(orgs.B).Append(orgs.B.Value))
            {
                Assert.DoesNotContain(key, keysA);
                Assert.False(key.StartsWith(pattern, StringComparison.Ordinal), $"{key} starts with {pattern}");
                Assert.False(OrganizationId.TryParse(key + ShardCount.Separator, out _));
            }
        }, iter: DisjointCases);
    }

    /// <summary>
    /// A's session policy (exact list or, for long ids with many shards, the pattern) allows a GetItem and a PutItem on
    /// each of A's keys tried (the allow twin) and denies the same request on any key of B; in the exact form it also
    /// denies A's out-of-range key <c>A#N</c>. Never above 2,048 characters.
    /// </summary>
    [Fact]
    public void ShardedPolicy_AllowsItsOwnKeys_DeniesEveryOtherOrganizationsKeys()
    {
        var builder = new SessionPolicyBuilder(TestData.Scope);
        var forms = new int[3];
        Gen.Select(TwoOrganizations, AnyShards, AnyShards, Gen.Int[0, 63], Gen.Int[0, 63]).Sample((orgs, shardsA, shardsB, kA, kB) =>
        {
            var policy = builder.Build(orgs.A, TestData.ReadWrite, shardsA);
            Interlocked.Increment(ref forms[(int)policy.Keys]);
            var own = shardsA.PartitionKey(orgs.A, kA % shardsA.Value);
            var other = shardsB.PartitionKey(orgs.B, kB % shardsB.Value);

            Assert.InRange(policy.Length, 1, SessionPolicyBuilder.MaxPlaintextLength);
            Assert.True(Allowed(policy, own), $"{own} denied under {orgs.A}/{shardsA} ({policy.Keys})");
            Assert.True(Allowed(policy, orgs.A.Value), $"{orgs.A} denied under its own policy ({policy.Keys})");
            Assert.False(Allowed(policy, other), $"{other} allowed under {orgs.A}/{shardsA} ({policy.Keys})");
            Assert.False(Allowed(policy, orgs.B.Value), $"{orgs.B} allowed under {orgs.A}/{shardsA} ({policy.Keys})");
            if (policy.Keys != LeadingKeysForm.ShardPattern)
            {
                Assert.False(Allowed(policy, $"{orgs.A.Value}#{shardsA.Value}"), $"out-of-range key allowed under {orgs.A}/{shardsA}");
            }
        }, iter: PolicyCases, threads: 1);

        Assert.All(forms, count => Assert.True(count > PolicyCases / 20, $"forms generated: {string.Join(",", forms)}"));
    }

    private static bool Allowed(SessionPolicy policy, string key)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(key);
        var get = """{"TableName":"Applications","Key":{"organizationId":{"S":""" + json + """},"applicationId":{"S":"a"}}}""";
        var put = """{"TableName":"Applications","Item":{"organizationId":{"S":""" + json + """},"applicationId":{"S":"a"}}}""";
        var getAllowed = TestData.Authorize(policy.Document, "GetItem", get).Allowed;
        Assert.Equal(getAllowed, TestData.Authorize(policy.Document, "PutItem", put).Allowed);
        return getAllowed;
    }
}
