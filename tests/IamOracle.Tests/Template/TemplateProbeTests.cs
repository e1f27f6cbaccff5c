using System.Text;
using System.Text.Json.Nodes;
using Deploy.Tests;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Verification;
using Gateway.Policies;
using Gateway.Policies.Documents;
using Gateway.Policies.DynamoDb;
using Gateway.Policies.Evaluation;
using Gateway.Policies.SessionPolicies;
using IamOracle.Tests.Oracle;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace IamOracle.Tests.Template;

/// <summary>
/// The shipped policies end to end, decided by our evaluator and by the simulator: the tenant role's identity policy
/// and trust from <c>deploy/cloudformation/tenant-gateway.yaml</c> (resolved for a stack), each permission set's real
/// session policy (the shipped <c>appsettings.json</c> through <see cref="SessionPolicyBuilder"/>), and the requests
/// <c>verify</c>'s probes send (<see cref="VerificationPlan"/>) as <see cref="DynamoDbRequestAnalyzer"/> reads them.
/// Both must agree on every check and give each probe the answer <c>verify</c> expects of it.
/// </summary>
public sealed class TemplateProbeTests
{
    private const string CanarySortKey = VerificationPlan.CanaryPrefix + "oracle";

    /// <remarks>The shipped configuration in both modes. ABAC mode also with PartiQL granted: the keyless
    /// <c>ExecuteStatement</c> probe then hits a granted action, which only the <c>Null</c> guard refuses (SessionPolicy
    /// mode cannot take PartiQL: the template's ceiling grants none, so verify's own-partition PartiQL probe would fail).</remarks>
    [Theory]
    [InlineData(IsolationMode.SessionPolicy, false)]
    [InlineData(IsolationMode.Abac, false)]
    [InlineData(IsolationMode.Abac, true)]
    public void VerifyProbes_UnderTheTemplatesPolicies_BothEvaluatorsGiveWhatVerifyExpects(IsolationMode mode, bool partiQL)
    {
        var stack = new Stack();
        var options = ShippedOptions(stack);
        options.Mode = mode;
        if (partiQL)
        {
            foreach (var table in options.Tables.Values)
            {
                table.PartiQL = true;
            }
        }
        var catalog = new PermissionSetCatalog(options);
        Assert.Equal(Stack.AccountId, catalog.Scope.AccountId);
        var builder = new SessionPolicyBuilder(catalog.Scope);
        var analyzer = new DynamoDbRequestAnalyzer(catalog.Scope);
        var schemas = TableSchemas(stack);
        foreach (var table in options.Tables.Keys)
        {
            Assert.True(schemas.ContainsKey(table), $"appsettings.json names table {table}, which the template does not create.");
        }

        // The template's tenant role policy: the ceiling of every SessionPolicy-mode session. ABAC mode: the template
        // ships no ABAC role, so the identity policy is the role policy the builder says to attach (one per set).
        var templateIdentity = stack.Resolved("TenantRole", "Policies")!.AsArray()
            .Select(p => p!["PolicyDocument"]!.ToJsonString()).ToList();
        var plan = VerificationPlan.Create(options);
        var rows = new List<(VerificationSession Session, VerificationProbe Probe, AuthorizationCheck Check, string Ours, string OursReason, OracleCase Case)>();
        foreach (var session in plan.Sessions)
        {
            var organization = OrganizationId.Parse(session.Organization);
            var set = catalog.Sets[session.PermissionSet];
            IReadOnlyList<string> identity;
            string? sessionPolicy;
            var principalContext = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
            {
                ["aws:SourceIdentity"] = [options.SourceIdentity],
            };
            if (mode == IsolationMode.Abac)
            {
                var abac = builder.BuildAbac(organization, set);
                identity = [abac.RolePolicy.ToJson()];
                sessionPolicy = null;
                foreach (var (key, value) in abac.SessionTags)
                {
                    principalContext[$"aws:PrincipalTag/{key}"] = [value];
                }
            }
            else
            {
                identity = templateIdentity;
                sessionPolicy = builder.Build(organization, set, ShardCount.Create(session.Shards)).Json;
            }

            var identityDocuments = identity.Select(PolicyDocument.Parse).ToList();
            var sessionDocument = sessionPolicy is null ? null : PolicyDocument.Parse(sessionPolicy);
            var principal = $"arn:aws:sts::{Stack.AccountId}:assumed-role/{stack.Ref("TenantRole")}/{session.Organization}+{session.PermissionSet}";
            var context = new RequestContext(principalContext);
            foreach (var probe in session.Probes)
            {
                var (operation, body) = ProbeRequest(probe, options.Tables[probe.Table]);
                var analysis = analyzer.Analyze(operation, Encoding.UTF8.GetBytes(body.ToJsonString()), t => schemas.GetValueOrDefault(t));
                Assert.True(analysis.Succeeded, $"{probe.Name}: the analyzer cannot read verify's request ({analysis.Error}).");
                Assert.NotEmpty(analysis.Checks);
                foreach (var check in analysis.Checks)
                {
                    var result = PolicyEvaluator.EvaluateSession(identityDocuments, sessionDocument, check.ToRequest(context) with { PrincipalArn = principal });
                    var keys = principalContext.Concat(check.ConditionKeys)
                        .Select(k => new KeyValuePair<string, ContextValue>(k.Key, new ContextValue(k.Value, IsMultiValued(k.Key))))
                        .ToList();
                    rows.Add((session, probe, check, Words(result.Decision), result.Reason,
                        new OracleCase(identity, sessionPolicy, principal, check.Action, check.Resource, Stack.AccountId, keys)));
                }
            }
        }

        var theirs = IamSimulator.Simulate([.. rows.Select(r => r.Case)]);
        var problems = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (session, probe, check, ours, reason, _) = rows[i];
            var where = $"[{mode}{(partiQL ? ", PartiQL" : "")}] {probe.Name}: {check.Action} on {check.Resource} {Keys(check)}";
            if (theirs[i].Decision == "Error" || theirs[i].IgnoredKeys.Count > 0)
            {
                problems.Add($"{where}: the simulator answered {theirs[i].Decision} {theirs[i].Error} (ignored keys: {string.Join(", ", theirs[i].IgnoredKeys)})");
            }
            else if (ours != theirs[i].Decision)
            {
                problems.Add($"{where}: ours {ours} ({reason}), iam-simulate {theirs[i].Decision}");
            }
        }

        // A probe is authorized when every check of its request is (IAM authorizes each; any denial refuses the call).
        var probes = rows.Select((r, i) => (r, i)).GroupBy(x => (x.r.Session, x.r.Probe));
        var counts = new Dictionary<ProbeExpectation, int>();
        foreach (var group in probes)
        {
            var (session, probe) = group.Key;
            var oursAuthorized = group.All(x => x.r.Ours == "Allowed");
            var theirsAuthorized = group.All(x => theirs[x.i].Decision == "Allowed");
            var expected = probe.Expected != ProbeExpectation.Denied;
            counts[probe.Expected] = counts.GetValueOrDefault(probe.Expected) + 1;
            if (oursAuthorized != expected || theirsAuthorized != expected)
            {
                problems.Add($"[{mode}{(partiQL ? ", PartiQL" : "")}] {probe.Name}: verify expects {probe.Expected}; ours {(oursAuthorized ? "authorizes" : "refuses")}, iam-simulate {(theirsAuthorized ? "authorizes" : "refuses")}");
            }
        }

        Assert.True(problems.Count == 0, $"{problems.Count} problem(s) over {rows.Count} checks:\n{string.Join('\n', problems)}");

        // Both twins are exercised: own-partition probes that must pass and cross-tenant probes that must be refused.
        Assert.True(counts.GetValueOrDefault(ProbeExpectation.Allowed) > 0 && counts.GetValueOrDefault(ProbeExpectation.Denied) > 0, string.Join(", ", counts));
        // The sharded canary in both modes (Abac: {org}#* from the tag, so its out-of-range keys are not probed).
        Assert.Equal(3 * options.PermissionSets.Count, plan.Sessions.Count);
        Assert.Equal(options.PermissionSets.Count, plan.Sessions.Count(s => s.Shards > 1));
    }

    [Fact]
    public void TenantRoleTrust_AdmitsTheGatewayOnlyWithSourceIdentity_BothEvaluatorsAgree()
    {
        var stack = new Stack();
        var trust = stack.Resolved("TenantRole", "AssumeRolePolicyDocument")!.ToJsonString();
        var gatewayPolicy = stack.Resolved("GatewayPolicy", "PolicyDocument")!.ToJsonString();
        var role = stack.Arn("TenantRole");
        var gateway = stack.Arn("GatewayRole");
        var intruder = $"arn:aws:iam::{Stack.AccountId}:role/SomethingElse";
        (string Principal, string Action, bool WithSourceIdentity, string Expected)[] cases =
        [
            (gateway, "sts:AssumeRole", true, "Allowed"),
            (gateway, "sts:SetSourceIdentity", true, "Allowed"),
            (gateway, "sts:AssumeRole", false, "ExplicitlyDenied"),
            (intruder, "sts:AssumeRole", true, "ImplicitlyDenied"),
            (intruder, "sts:AssumeRole", false, "ExplicitlyDenied"),
        ];

        // Both principals carry the template's gateway policy, so only the trust policy tells them apart.
        var oracleCases = cases.Select(c => new OracleCase(
            [gatewayPolicy], null, c.Principal, c.Action, role, Stack.AccountId,
            c.WithSourceIdentity ? [new("sts:SourceIdentity", new ContextValue([TenantIsolationOptions.DefaultSourceIdentity], false))] : [],
            trust)).ToList();
        var theirs = IamSimulator.Simulate(oracleCases);
        var problems = new List<string>();
        for (var i = 0; i < cases.Length; i++)
        {
            var c = cases[i];
            var context = c.WithSourceIdentity
                ? RequestContext.FromSingleValues(new Dictionary<string, string> { ["sts:SourceIdentity"] = TenantIsolationOptions.DefaultSourceIdentity })
                : RequestContext.Empty;
            var request = new AuthorizationRequest(c.Action, role, context) { PrincipalArn = c.Principal };
            var ofTrust = PolicyEvaluator.EvaluateTrust(PolicyDocument.Parse(trust), request).Decision;
            var ofIdentity = PolicyEvaluator.Evaluate(PolicyDocument.Parse(gatewayPolicy), request).Decision;
            var ours = ofTrust == Decision.ExplicitDeny || ofIdentity == Decision.ExplicitDeny ? "ExplicitlyDenied"
                : ofTrust == Decision.Allow && ofIdentity == Decision.Allow ? "Allowed" : "ImplicitlyDenied";
            var where = $"{c.Action} by {c.Principal} {(c.WithSourceIdentity ? "with" : "without")} SourceIdentity";
            if (theirs[i].Decision == "Error" || theirs[i].IgnoredKeys.Count > 0)
            {
                problems.Add($"{where}: the simulator answered {theirs[i].Decision} {theirs[i].Error} (ignored keys: {string.Join(", ", theirs[i].IgnoredKeys)})");
            }
            else if (ours != c.Expected || theirs[i].Decision != c.Expected)
            {
                problems.Add($"{where}: expected {c.Expected}; ours {ours}, iam-simulate {theirs[i].Decision}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>The shipped appsettings.json's TenantIsolation section, with the RoleArn the stack's output gives it.</summary>
    private static TenantIsolationOptions ShippedOptions(Stack stack)
    {
        var configuration = new ConfigurationBuilder().SetBasePath(Repo.Root).AddJsonFile("appsettings.json").Build();
        var options = configuration.GetSection(TenantIsolationOptions.SectionName).Get<TenantIsolationOptions>()!;
        options.RoleArn = stack.ResolvedOutput("TenantRoleArn")!.GetValue<string>();
        return options;
    }

    /// <summary>Every table the stack creates, with its partition key and its indexes' partition keys (what LocalAws
    /// learns from DescribeTable).</summary>
    private static Dictionary<string, TableKeySchema> TableSchemas(Stack stack)
    {
        static string Hash(JsonNode keySchema)
            => keySchema.AsArray().Single(k => k!["KeyType"]!.GetValue<string>() == "HASH")!["AttributeName"]!.GetValue<string>();

        var schemas = new Dictionary<string, TableKeySchema>(StringComparer.Ordinal);
        foreach (var (key, value) in stack.Resources.Children)
        {
            var logicalId = ((YamlScalarNode)key).Value!;
            if (((YamlMappingNode)value).Str("Type") != "AWS::DynamoDB::Table" || !stack.Exists(logicalId))
            {
                continue;
            }

            var properties = stack.Resolve(stack.Properties(logicalId))!;
            var name = properties["TableName"]!.GetValue<string>();
            var indexes = properties["GlobalSecondaryIndexes"]?.AsArray()
                .ToDictionary(i => i!["IndexName"]!.GetValue<string>(), i => Hash(i!["KeySchema"]!), StringComparer.Ordinal)
                ?? [];
            schemas[name] = new TableKeySchema(name, Hash(properties["KeySchema"]!)) { IndexPartitionKeys = indexes };
        }

        return schemas;
    }

    /// <summary>The request a probe sends, as the DynamoDB JSON protocol carries it: the same members as
    /// <c>VerificationRunner.SendAsync</c> sets (kept in step with it by hand).</summary>
    private static (string Operation, JsonObject Body) ProbeRequest(VerificationProbe probe, TenantTableOptions table)
    {
        var name = probe.Table;
        var target = probe.Targets[^1];
        JsonObject S(string value) => new() { ["S"] = value };
        JsonObject KeyOf(string organization)
        {
            var key = new JsonObject { [table.PartitionKey] = S(organization) };
            if (table.SortKey is not null)
            {
                key[table.SortKey] = S(CanarySortKey);
            }

            return key;
        }

        JsonObject ItemOf(string organization)
        {
            var item = KeyOf(organization);
            item["verify"] = S("canary");
            return item;
        }

        return probe.Operation switch
        {
            ProbeOperation.GetItem => ("GetItem", new JsonObject { ["TableName"] = name, ["Key"] = KeyOf(target), ["ConsistentRead"] = true }),
            ProbeOperation.Query => ("Query", Query()),
            ProbeOperation.PutItem => ("PutItem", new JsonObject { ["TableName"] = name, ["Item"] = ItemOf(target) }),
            ProbeOperation.UpdateItem => ("UpdateItem", new JsonObject
            {
                ["TableName"] = name,
                ["Key"] = KeyOf(target),
                ["UpdateExpression"] = "SET #v = :v",
                ["ExpressionAttributeNames"] = new JsonObject { ["#v"] = "verify" },
                ["ExpressionAttributeValues"] = new JsonObject { [":v"] = S("updated") },
            }),
            ProbeOperation.DeleteItem => ("DeleteItem", new JsonObject { ["TableName"] = name, ["Key"] = KeyOf(target) }),
            ProbeOperation.BatchGetItem => ("BatchGetItem", new JsonObject
            {
                ["RequestItems"] = new JsonObject { [name] = new JsonObject { ["Keys"] = new JsonArray([.. probe.Targets.Select(o => (JsonNode)KeyOf(o))]) } },
            }),
            ProbeOperation.BatchWriteItem => ("BatchWriteItem", new JsonObject
            {
                ["RequestItems"] = new JsonObject
                {
                    [name] = new JsonArray([.. probe.Targets.Select(o => (JsonNode)new JsonObject { ["PutRequest"] = new JsonObject { ["Item"] = ItemOf(o) } })]),
                },
            }),
            ProbeOperation.TransactGetItems => ("TransactGetItems", new JsonObject
            {
                ["TransactItems"] = new JsonArray([.. probe.Targets.Select(o => (JsonNode)new JsonObject { ["Get"] = new JsonObject { ["TableName"] = name, ["Key"] = KeyOf(o) } })]),
            }),
            ProbeOperation.TransactWriteItems => ("TransactWriteItems", new JsonObject
            {
                ["TransactItems"] = new JsonArray([.. probe.Targets.Select(o => (JsonNode)new JsonObject { ["Put"] = new JsonObject { ["TableName"] = name, ["Item"] = ItemOf(o) } })]),
            }),
            ProbeOperation.PartiQLKeyless => ("ExecuteStatement", new JsonObject { ["Statement"] = $"SELECT * FROM \"{name}\"" }),
            ProbeOperation.PartiQLByPartition => ("ExecuteStatement", new JsonObject
            {
                ["Statement"] = $"SELECT * FROM \"{name}\" WHERE \"{table.PartitionKey}\" = ?",
                ["Parameters"] = new JsonArray(S(target)),
            }),
            ProbeOperation.Scan => ("Scan", new JsonObject { ["TableName"] = name, ["Limit"] = 1 }),
            ProbeOperation.DescribeTable => ("DescribeTable", new JsonObject { ["TableName"] = name }),
            _ => throw new ArgumentOutOfRangeException(nameof(probe), probe.Operation, "A probe operation this test does not model: add it here as VerificationRunner sends it."),
        };

        JsonObject Query()
        {
            var query = new JsonObject
            {
                ["TableName"] = name,
                ["KeyConditionExpression"] = "#pk = :pk",
                ["ExpressionAttributeNames"] = new JsonObject { ["#pk"] = table.PartitionKey },
                ["ExpressionAttributeValues"] = new JsonObject { [":pk"] = S(target) },
            };
            if (probe.Index is not null)
            {
                query["IndexName"] = probe.Index;
            }

            return query;
        }
    }

    /// <summary>dynamodb:LeadingKeys is ArrayOfString (sent as a list even with one value); the principal keys are single.</summary>
    private static bool IsMultiValued(string key) => string.Equals(key, DynamoDbRequestAnalyzer.LeadingKeys, StringComparison.OrdinalIgnoreCase);

    private static string Words(Decision decision) => decision switch
    {
        Decision.Allow => "Allowed",
        Decision.ExplicitDeny => "ExplicitlyDenied",
        _ => "ImplicitlyDenied",
    };

    private static string Keys(AuthorizationCheck check)
        => check.ConditionKeys.Count == 0 ? "(no keys)" : string.Join(" ", check.ConditionKeys.Select(k => $"{k.Key}=[{string.Join(",", k.Value)}]"));
}
