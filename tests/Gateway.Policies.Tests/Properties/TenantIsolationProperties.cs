using System.Buffers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Gateway.Policies.Documents;
using Gateway.Policies.DynamoDb;
using Gateway.Policies.Evaluation;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Tests.Properties;

/// <summary>
/// Property tests (CsCheck). Iteration counts are fixed so the number of cases is known (see docs/policies.md);
/// a failure prints the shrunk counter-example and its seed.
/// </summary>
public class TenantIsolationProperties
{
    public const int RequestCases = 3_000;
    public const int RoundTripCases = 2_000;
    public const int OrganizationIdCases = 20_000;
    public const int SessionNameCases = 5_000;
    public const int FuzzCases = 3_000;
    public const int SetOperatorCases = 5_000;
    public const int IndexCases = 2_000;

    private static readonly string[] Operations =
    [
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "QueryIndex", "BatchGetItem", "BatchWriteItem",
        "TransactGetItems", "TransactWriteItems", "PartiQLSelect", "PartiQLInsert", "PartiQLDelete", "BatchExecuteStatement",
    ];

    /// <summary>
    /// For random A≠B (often near-misses: prefix, extension, case variant, separator swap), a random table shape
    /// (partition key name, indexes granted as <c>index/*</c> or an explicit list), random item keys and a random
    /// operation: the request that names only A's partition is allowed under A's policy (the allow twin), and the same
    /// request with one B partition key among A's is denied, even when B's items carry a decoy <c>organizationId</c> = A.
    /// </summary>
    [Fact]
    public void RequestNamingAnotherOrganizationsPartition_IsDenied_AndItsOwnTwinAllowed()
    {
        var gen = Gen.Select(Generators.TwoOrganizations, Generators.AnyTableShape, Gen.OneOf(Operations), Generators.AnyText.Array[1, 4], Gen.Int[0, 3]);

        gen.Sample((orgs, shape, operation, keys, position) =>
        {
            var policy = TestData.PolicyFor(orgs.A, shape.PermissionSet).Document;
            var index = shape.Indexes[position % shape.Indexes.Length];
            var owners = Enumerable.Repeat(orgs.A, keys.Length).ToArray();

            var own = TestData.Authorize(policy, OperationName(operation), Body(operation, shape, index, owners, keys, decoy: orgs.A), shape.Schema);
            owners[IsMultiItem(operation) ? position % owners.Length : 0] = orgs.B;
            var other = TestData.Authorize(policy, OperationName(operation), Body(operation, shape, index, owners, keys, decoy: orgs.A), shape.Schema);

            Assert.True(own.Allowed, $"own request denied ({shape}): {own.Why}");
            Assert.False(other.Allowed, $"request naming {orgs.B} allowed under {orgs.A}'s policy ({shape})");
        }, iter: RequestCases);
    }

    /// <summary>
    /// With an explicit index list, a Query by the organization's own partition on an index outside the list is denied
    /// (the index exists and is partitioned by the organization id, it just was not granted), while the same Query on a
    /// listed index is allowed; with <c>index/*</c> both are allowed.
    /// </summary>
    [Fact]
    public void QueryOnIndexOutsideAnExplicitList_IsDenied_AndOnAListedIndexAllowed()
    {
        Gen.Select(Generators.OrganizationIdText, Generators.TableShape, Generators.AnyText, Gen.Int[0, 2]).Sample((org, shape, key, position) =>
        {
            var policy = TestData.PolicyFor(org, shape.PermissionSet).Document;
            var listed = shape.Indexes[position % shape.Indexes.Length];

            var onListed = TestData.Authorize(policy, "Query", Body("QueryIndex", shape, listed, [org], [key], decoy: null), shape.Schema);
            var onUnlisted = TestData.Authorize(policy, "Query", Body("QueryIndex", shape, shape.UnlistedIndex, [org], [key], decoy: null), shape.Schema);

            Assert.True(onListed.Allowed, $"query on listed index {listed} denied ({shape}): {onListed.Why}");
            Assert.Equal(!shape.ExplicitIndexes, onUnlisted.Allowed);
        }, iter: IndexCases);
    }

    /// <summary>The near-miss pairs really are near misses: each kind of organization pair is generated (guards the
    /// generator against silently degenerating to unrelated pairs).</summary>
    [Fact]
    public void TwoOrganizations_GeneratesEveryKindOfNearMiss()
    {
        var pairs = Generators.TwoOrganizations.Array[2_000].Single();

        Assert.All(pairs, p => Assert.NotEqual(p.A, p.B));
        Assert.All(pairs, p => Assert.True(OrganizationId.TryParse(p.A, out _) && OrganizationId.TryParse(p.B, out _), $"{p.A} / {p.B}"));
        Assert.Contains(pairs, p => p.B.StartsWith(p.A, StringComparison.Ordinal));
        Assert.Contains(pairs, p => p.A.StartsWith(p.B, StringComparison.Ordinal));
        Assert.Contains(pairs, p => string.Equals(p.A, p.B, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(pairs, p => p.A.Length == p.B.Length && p.A.Zip(p.B).Count(c => c.First != c.Second) == 1
            && p.A.Zip(p.B).Single(c => c.First != c.Second) is var d && "-_.".Contains(d.First) && "-_.".Contains(d.Second));
    }

    [Fact]
    public void BuilderOutput_ParsesBackToAnEqualDocument()
    {
        var builder = new SessionPolicyBuilder(TestData.Scope);

        Gen.Select(Generators.OrganizationId, Generators.PermissionSet).Sample((org, permissionSet) =>
        {
            SessionPolicy policy;
            try
            {
                policy = builder.Build(org, permissionSet);
            }
            catch (SessionPolicyTooLargeException ex)
            {
                // Refusing is only correct above the limit, and the worst case must then be above it too.
                Assert.True(ex.Length > SessionPolicyBuilder.MaxPlaintextLength);
                Assert.True(builder.WorstCaseLength(permissionSet) >= ex.Length);
                return;
            }

            var parsed = PolicyDocument.Parse(policy.Json);

            Assert.Equal(policy.Document, parsed);
            Assert.Equal(policy.Json, parsed.ToJson());
            Assert.True(policy.Length <= builder.WorstCaseLength(permissionSet));
        }, iter: RoundTripCases);
    }

    [Fact]
    public void OrganizationId_RejectsEveryStringWithAForbiddenCharacter()
    {
        var forbidden = Gen.OneOf(
            Gen.OneOf('*', '?', '"', '\\', '/', ':', '$', '{', '}', '[', ']', ',', '@', '+', '=', '\'', '#', '%'),
            Gen.OneOf(' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u2028', '\u3000'),
            Gen.Char['\u0000', '\u001f'],
            Gen.Char['\u007f', '\u009f'],
            Gen.Char['\u0080', '\uffff']);

        Gen.Select(Generators.OrganizationIdText, forbidden, Gen.Int[0, 64]).Sample((valid, bad, at) =>
        {
            var index = at % (valid.Length + 1);
            var candidate = valid.Insert(index, bad.ToString());

            Assert.False(OrganizationId.TryParse(candidate, out _));
            Assert.False(OrganizationId.TryParse(bad + valid, out _));
        }, iter: OrganizationIdCases);
    }

    [Fact]
    public void OrganizationId_AcceptsEveryStringOfThePattern()
    {
        Generators.OrganizationIdText.Sample(text =>
        {
            Assert.True(OrganizationId.TryParse(text, out var id));
            Assert.Equal(text, id.Value);
        }, iter: OrganizationIdCases);
    }

    [Fact]
    public void SessionNames_AreAlwaysValid_AndDistinctInputsGiveDistinctNames()
    {
        Gen.Select(Generators.OrganizationId, Generators.AnyText.Where(u => u.Length > 0), Generators.AnyText.Where(u => u.Length > 0), Generators.AnyText.Where(s => s.Length > 0))
            .Sample((org, user1, user2, set) =>
            {
                var n1 = SessionNames.RoleSessionName(org, set, user1);
                var n2 = SessionNames.RoleSessionName(org, set, user2);
                var source = SessionNames.SourceIdentity(user1);

                Assert.True(SessionNames.IsValid(n1), n1);
                Assert.True(SessionNames.IsValid(SessionNames.RoleSessionName(org, set, null)));
                Assert.True(SessionNames.IsValid(source), source);
                Assert.False(source.StartsWith("aws:", StringComparison.OrdinalIgnoreCase));
                Assert.Equal(user1 == user2, n1 == n2);
                Assert.Equal(set == user1, SessionNames.RoleSessionName(org, set, null) == SessionNames.RoleSessionName(org, user1, null));
            }, iter: SessionNameCases);
    }

    /// <summary>Random mutations of valid bodies (byte flips, truncation, splices) never throw out of the analyzer,
    /// and random text never throws out of the policy parser except as <see cref="PolicyDocumentException"/>.</summary>
    [Fact]
    public void MutatedInput_NeverThrowsUntypedExceptions()
    {
        var analyzer = new DynamoDbRequestAnalyzer(TestData.Scope);
        var policyJson = TestData.PolicyFor("org-a").Json;

        Gen.Select(Gen.OneOf(Operations), Gen.Int[0, 100_000], Gen.Byte, Gen.Int[0, 2]).Sample((operation, at, value, mode) =>
        {
            var body = Encoding.UTF8.GetBytes(Body(operation, ShippedTable, "ByName", ["org-a", "org-a"], ["k1", "k\"2"], decoy: null));
            var mutated = Mutate(body, at, value, mode);
            var analysis = analyzer.Analyze(OperationName(operation), mutated, TestData.Schemas);
            Assert.True(analysis.Succeeded || analysis.Error.Length > 0);
            _ = DynamoDbRequestAnalyzer.ReferencedTables(OperationName(operation), mutated);

            var policyBytes = Mutate(Encoding.UTF8.GetBytes(policyJson), at, value, mode);
            var text = Encoding.UTF8.GetString(policyBytes);
            if (!PolicyDocument.TryParse(text, out var document, out var error))
            {
                Assert.False(string.IsNullOrEmpty(error));
            }
            else
            {
                _ = PolicyEvaluator.Evaluate(document, new AuthorizationRequest("dynamodb:GetItem", TestData.ApplicationsArn, RequestContext.Empty));
            }
        }, iter: FuzzCases);
    }

    /// <summary>The evaluator's set operators agree with their definitions over random value sets.</summary>
    [Fact]
    public void SetOperators_MatchTheirDefinitions()
    {
        var values = Gen.OneOf("a", "b", "c", "acme", "acme-eu").Array[0, 4];

        Gen.Select(values, values.Where(v => v.Length > 0), Gen.Bool).Sample((context, allowed, keyPresent) =>
        {
            var request = new AuthorizationRequest("dynamodb:BatchGetItem", TestData.ApplicationsArn,
                keyPresent ? TestData.Context(("dynamodb:LeadingKeys", context)) : RequestContext.Empty);
            var effective = keyPresent ? context : [];

            bool Allows(string op, string[]? policyValues = null) => PolicyEvaluator.Evaluate(
                new PolicyDocument
                {
                    Statements = [new PolicyStatement { Effect = PolicyEffect.Allow, Actions = ["dynamodb:*"], Resources = ["*"], Conditions = [new PolicyCondition(op, "dynamodb:LeadingKeys", policyValues ?? allowed)] }],
                },
                request).IsAllowed;

            Assert.Equal(effective.All(allowed.Contains), Allows("ForAllValues:StringEquals"));
            Assert.Equal(effective.Any(allowed.Contains), Allows("ForAnyValue:StringEquals"));
            Assert.Equal(effective.All(v => !allowed.Contains(v)), Allows("ForAllValues:StringNotEquals"));
            Assert.Equal(effective.Any(v => !allowed.Contains(v)), Allows("ForAnyValue:StringNotEquals"));
            Assert.Equal(effective.Length > 0, Allows("Null", ["false"]));
            Assert.Equal(effective.Length == 0, Allows("Null", ["true"]));
            Assert.Equal(effective.Length > 0 && effective.Any(allowed.Contains), Allows("StringEquals"));
        }, iter: SetOperatorCases);
    }

    private static byte[] Mutate(byte[] body, int at, byte value, int mode)
    {
        var index = at % body.Length;
        return mode switch
        {
            0 => body[..index],
            1 => [.. body[..index], value, .. body[(index + 1)..]],
            _ => [.. body[..index], .. body[(index / 2)..]],
        };
    }

    private static bool IsMultiItem(string operation)
        => operation is "BatchGetItem" or "BatchWriteItem" or "TransactGetItems" or "TransactWriteItems" or "BatchExecuteStatement";

    private static string OperationName(string operation) => operation switch
    {
        "QueryIndex" => "Query",
        "PartiQLSelect" or "PartiQLInsert" or "PartiQLDelete" => "ExecuteStatement",
        _ => operation,
    };

    private static readonly TableShape ShippedTable = new("Applications", "organizationId", "applicationId", ["ByName"], "ByCreator", ExplicitIndexes: false);

    /// <summary>A request body built with a JSON writer (keys are arbitrary Unicode) on <paramref name="shape"/>'s table
    /// whose i-th item belongs to owners[i]. Written items also carry an <c>organizationId</c> attribute =
    /// <paramref name="decoy"/> when the partition key has another name (an analyzer reading the wrong attribute is fooled).</summary>
    private static string Body(string operation, TableShape shape, string index, string[] owners, string[] keys, string? decoy)
    {
        var table = shape.Table;
        var pk = shape.PartitionKey;
        var sk = shape.SortKey;
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            void Key(string member, string owner, string key)
            {
                w.WritePropertyName(member);
                KeyObject(owner, key, item: false);
            }

            void KeyObject(string owner, string key, bool item)
            {
                w.WriteStartObject();
                WriteString(w, pk, owner);
                WriteString(w, sk, key);
                if (item && decoy is not null && pk != "organizationId" && sk != "organizationId")
                {
                    WriteString(w, "organizationId", decoy);
                }

                w.WriteEndObject();
            }

            void Item(string owner, string key)
            {
                w.WritePropertyName("Item");
                KeyObject(owner, key, item: true);
            }

            w.WriteStartObject();
            switch (operation)
            {
                case "GetItem" or "UpdateItem" or "DeleteItem":
                    w.WriteString("TableName", table);
                    Key("Key", owners[0], keys[0]);
                    break;
                case "PutItem":
                    w.WriteString("TableName", table);
                    Item(owners[0], keys[0]);
                    break;
                case "Query" or "QueryIndex":
                    w.WriteString("TableName", table);
                    if (operation == "QueryIndex")
                    {
                        w.WriteString("IndexName", index);
                    }

                    w.WriteString("KeyConditionExpression", "#p = :p AND #n = :n");
                    w.WriteStartObject("ExpressionAttributeNames");
                    w.WriteString("#p", pk);
                    w.WriteString("#n", operation == "QueryIndex" ? "name" : sk);
                    w.WriteEndObject();
                    w.WriteStartObject("ExpressionAttributeValues");
                    WriteString(w, ":p", owners[0]);
                    WriteString(w, ":n", keys[0]);
                    w.WriteEndObject();
                    break;
                case "BatchGetItem":
                    w.WriteStartObject("RequestItems");
                    w.WriteStartObject(table);
                    w.WriteStartArray("Keys");
                    for (var i = 0; i < owners.Length; i++)
                    {
                        KeyObject(owners[i], keys[i] + "#" + i, item: false);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndObject();
                    break;
                case "BatchWriteItem":
                    w.WriteStartObject("RequestItems");
                    w.WriteStartArray(table);
                    for (var i = 0; i < owners.Length; i++)
                    {
                        w.WriteStartObject();
                        w.WriteStartObject(i % 2 == 0 ? "PutRequest" : "DeleteRequest");
                        if (i % 2 == 0)
                        {
                            Item(owners[i], keys[i]);
                        }
                        else
                        {
                            Key("Key", owners[i], keys[i]);
                        }

                        w.WriteEndObject();
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                    break;
                case "TransactGetItems" or "TransactWriteItems":
                    w.WriteStartArray("TransactItems");
                    string[] kinds = operation == "TransactGetItems" ? ["Get"] : ["Put", "Update", "Delete", "ConditionCheck"];
                    for (var i = 0; i < owners.Length; i++)
                    {
                        var kind = kinds[i % kinds.Length];
                        w.WriteStartObject();
                        w.WriteStartObject(kind);
                        w.WriteString("TableName", table);
                        if (kind == "Put")
                        {
                            Item(owners[i], keys[i]);
                        }
                        else
                        {
                            Key("Key", owners[i], keys[i]);
                        }

                        w.WriteEndObject();
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    break;
                case "PartiQLSelect":
                    w.WriteString("Statement", $"SELECT * FROM \"{table}\" WHERE \"{pk}\" = ? AND \"{sk}\" = ?");
                    WriteParameters(w, owners[0], keys[0]);
                    break;
                case "PartiQLInsert":
                    w.WriteString("Statement", $"INSERT INTO \"{table}\" VALUE {{'{pk}': ?, '{sk}': ?}}");
                    WriteParameters(w, owners[0], keys[0]);
                    break;
                case "PartiQLDelete":
                    w.WriteString("Statement", $"DELETE FROM \"{table}\" WHERE \"{sk}\" = ? AND \"{pk}\" = ?");
                    WriteParameters(w, keys[0], owners[0]);
                    break;
                case "BatchExecuteStatement":
                    w.WriteStartArray("Statements");
                    for (var i = 0; i < owners.Length; i++)
                    {
                        w.WriteStartObject();
                        w.WriteString("Statement", $"SELECT * FROM \"{table}\" WHERE \"{pk}\" = ? AND \"{sk}\" = ?");
                        WriteParameters(w, owners[i], keys[i]);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(operation));
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteString(Utf8JsonWriter w, string name, string value)
    {
        w.WriteStartObject(name);
        w.WriteString("S", value);
        w.WriteEndObject();
    }

    private static void WriteParameters(Utf8JsonWriter w, params string[] values)
    {
        w.WriteStartArray("Parameters");
        foreach (var value in values)
        {
            w.WriteStartObject();
            w.WriteString("S", value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
