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

    /// <summary>
    /// ABAC (issue 23 item 3): one role policy for every organization, <c>ForAllValues:StringLike</c> over
    /// <c>${aws:PrincipalTag/organizationId}</c> and <c>${aws:PrincipalTag/organizationId}#*</c>. A session tagged A may
    /// GetItem / PutItem A and each of A's shard keys (the allow twin); every key of B (B, B#k, for any shard count) is
    /// denied, also inside a BatchGetItem with one of A's keys; and so are A's look-alikes that another organization could
    /// own (<c>A-2</c>, <c>A.x</c>, <c>Ax</c>, <c>Ax#0</c>, A without its last character + <c>#0</c>).
    /// </summary>
    [Fact]
    public void AbacRolePolicy_TaggedSession_AllowsItsOwnKeys_DeniesEveryOtherOrganizationsKeys()
    {
        var builder = new SessionPolicyBuilder(TestData.Scope);
        Gen.Select(TwoOrganizations, AnyShards, AnyShards, Gen.Int[0, 63], Gen.Int[0, 63]).Sample((orgs, shardsA, shardsB, kA, kB) =>
        {
            var policy = builder.BuildAbac(orgs.A, TestData.ReadWrite).RolePolicy;
            var tag = orgs.A.Value;
            var own = shardsA.PartitionKey(orgs.A, kA % shardsA.Value);
            var other = shardsB.PartitionKey(orgs.B, kB % shardsB.Value);

            Assert.True(AbacAllowed(policy, tag, own), $"{own} denied under tag {tag}");
            Assert.True(AbacAllowed(policy, tag, orgs.A.Value), $"{orgs.A} denied under its own tag");
            Assert.True(AbacAllowed(policy, tag, own, orgs.A.Value), $"{own} + {orgs.A} batch denied under tag {tag}");
            Assert.False(AbacAllowed(policy, tag, other), $"{other} allowed under tag {tag}");
            Assert.False(AbacAllowed(policy, tag, orgs.B.Value), $"{orgs.B} allowed under tag {tag}");
            Assert.False(AbacAllowed(policy, tag, own, other), $"batch {own} + {other} allowed under tag {tag}");
            foreach (var lookAlike in LookAlikes(orgs.A.Value))
            {
                Assert.False(AbacAllowed(policy, tag, lookAlike), $"look-alike {lookAlike} allowed under tag {tag}");
            }
        }, iter: PolicyCases, threads: 1);
    }

    /// <summary>Keys that start like <paramref name="a"/> but belong to another id (a different text before the first <c>#</c>).</summary>
    private static IEnumerable<string> LookAlikes(string a)
    {
        string[] candidates = [a + "-2", a + ".x", a + "x", a + "x#0", a + "-2#1", a.Length > 1 ? a[..^1] + "#0" : "z#0", a.ToUpperInvariant() + "#1"];
        foreach (var candidate in candidates)
        {
            var id = candidate.Split(ShardCount.Separator)[0];
            if (!string.Equals(id, a, StringComparison.Ordinal))
            {
                yield return candidate;
            }
        }
    }

    /// <summary>GetItem (one key) or BatchGetItem (several) and PutItem on the first key, analyzed and decided against the
    /// ABAC role policy for a session whose <c>organizationId</c> tag is <paramref name="tag"/>.</summary>
    private static bool AbacAllowed(Gateway.Policies.Documents.PolicyDocument rolePolicy, string tag, params string[] keys)
    {
        static string KeyJson(string key) => """{"organizationId":{"S":""" + System.Text.Json.JsonSerializer.Serialize(key) + """},"applicationId":{"S":"a"}}""";
        var principal = TestData.Context(("aws:PrincipalTag/organizationId", [tag]));
        var requests = keys.Length == 1
            ? new[] { ("GetItem", """{"TableName":"Applications","Key":""" + KeyJson(keys[0]) + "}"), ("PutItem", """{"TableName":"Applications","Item":""" + KeyJson(keys[0]) + "}") }
            : [("BatchGetItem", """{"RequestItems":{"Applications":{"Keys":[""" + string.Join(",", keys.Select(KeyJson)) + "]}}}")];
        var decisions = new List<bool>();
        foreach (var (operation, body) in requests)
        {
            var analysis = new Gateway.Policies.DynamoDb.DynamoDbRequestAnalyzer(TestData.Scope).Analyze(operation, System.Text.Encoding.UTF8.GetBytes(body), TestData.Schemas);
            Assert.True(analysis.Succeeded, analysis.Error);
            decisions.Add(analysis.Checks.All(check => Gateway.Policies.Evaluation.PolicyEvaluator.Evaluate(rolePolicy, check.ToRequest(principal)).IsAllowed));
        }

        Assert.All(decisions, d => Assert.Equal(decisions[0], d));
        return decisions[0];
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
