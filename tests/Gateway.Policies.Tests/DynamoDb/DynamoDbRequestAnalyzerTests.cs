using System.Text;
using Gateway.Policies.DynamoDb;
using Gateway.Policies.Tests.Corpus;

namespace Gateway.Policies.Tests.DynamoDb;

public class DynamoDbRequestAnalyzerTests
{
    private static readonly DynamoDbRequestAnalyzer Analyzer = new(TestData.Scope);

    private static RequestAnalysis Analyze(string operation, string body) => Analyzer.Analyze(operation, Encoding.UTF8.GetBytes(body), TestData.Schemas);

    private static IReadOnlyList<string>? LeadingKeys(AuthorizationCheck check)
        => check.ConditionKeys.TryGetValue("dynamodb:LeadingKeys", out var values) ? values : null;

    [Fact]
    public void Analyze_GetItem_OneCheckWithLeadingKey()
    {
        var analysis = Analyze("DynamoDB_20120810.GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"acme"},"applicationId":{"S":"a"}}}""");

        Assert.True(analysis.Succeeded, analysis.Error);
        Assert.Equal("GetItem", analysis.Operation);
        var check = Assert.Single(analysis.Checks);
        Assert.Equal("dynamodb:GetItem", check.Action);
        Assert.Equal(TestData.ApplicationsArn, check.Resource);
        Assert.Equal(["acme"], LeadingKeys(check));
        Assert.Equal(["Applications"], analysis.Tables);
    }

    [Theory]
    [InlineData("""{"N":"42"}""", "42")]
    [InlineData("""{"B":"AAEC"}""", "AAEC")]
    public void Analyze_NumberAndBinaryPartitionKeys_UseWireText(string value, string expected)
    {
        var analysis = Analyze("GetItem", $$$"""{"TableName":"Applications","Key":{"organizationId":{{{value}}}}}""");

        Assert.Equal([expected], LeadingKeys(Assert.Single(analysis.Checks)));
    }

    [Fact]
    public void Analyze_BatchGetItem_OneCheckPerTableWithDistinctKeys()
    {
        var analysis = Analyze("BatchGetItem", """
            {"RequestItems":{
              "Applications":{"Keys":[{"organizationId":{"S":"a"}},{"organizationId":{"S":"b"}},{"organizationId":{"S":"a"}}]},
              "OrganizationUsers":{"Keys":[{"userId":{"S":"alice"},"organizationId":{"S":"a"}}]}}}
            """);

        Assert.True(analysis.Succeeded, analysis.Error);
        Assert.Equal(2, analysis.Checks.Count);
        Assert.Equal(["a", "b"], LeadingKeys(analysis.Checks[0]));
        Assert.Equal(["alice"], LeadingKeys(analysis.Checks[1]));
        Assert.Equal("arn:aws:dynamodb:us-east-1:000000000000:table/OrganizationUsers", analysis.Checks[1].Resource);
        Assert.Equal(["Applications", "OrganizationUsers"], analysis.Tables);
    }

    [Fact]
    public void Analyze_TransactWriteItems_OneItemActionPerEntry()
    {
        var analysis = Analyze("TransactWriteItems", """
            {"TransactItems":[
              {"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"a"}}}},
              {"Update":{"TableName":"Applications","Key":{"organizationId":{"S":"b"}}}},
              {"Delete":{"TableName":"Applications","Key":{"organizationId":{"S":"c"}}}},
              {"ConditionCheck":{"TableName":"Applications","Key":{"organizationId":{"S":"d"}}}}]}
            """);

        Assert.Equal(
            ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"],
            analysis.Checks.Select(c => c.Action));
        Assert.Equal(["a", "b", "c", "d"], analysis.Checks.Select(c => LeadingKeys(c)!.Single()));
    }

    [Fact]
    public void Analyze_QueryOnIndex_UsesIndexArnAndIndexPartitionKey()
    {
        var analysis = Analyze("Query", """
            {"TableName":"Applications","IndexName":"ByCreator","KeyConditionExpression":"#c = :c","ExpressionAttributeNames":{"#c":"createdBy"},"ExpressionAttributeValues":{":c":{"S":"alice"}}}
            """);

        var check = Assert.Single(analysis.Checks);
        Assert.Equal(TestData.ApplicationsArn + "/index/ByCreator", check.Resource);
        Assert.Equal(["alice"], LeadingKeys(check));
    }

    [Theory]
    [InlineData("Scan", """{"TableName":"Applications"}""", "dynamodb:Scan", TestData.ApplicationsArn)]
    [InlineData("DescribeTable", """{"TableName":"Applications"}""", "dynamodb:DescribeTable", TestData.ApplicationsArn)]
    [InlineData("ListTables", """{}""", "dynamodb:ListTables", "*")]
    [InlineData("DeleteTable", """{"TableName":"Applications"}""", "dynamodb:DeleteTable", TestData.ApplicationsArn)]
    [InlineData("ExecuteStatement", """{"Statement":"SELECT * FROM Applications"}""", "dynamodb:PartiQLSelect", TestData.ApplicationsArn)]
    [InlineData("ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'a' OR x = 1"}""", "dynamodb:PartiQLSelect", TestData.ApplicationsArn)]
    public void Analyze_RequestsWithoutPinnedPartition_HaveNoLeadingKeys(string operation, string body, string action, string resource)
    {
        var check = Assert.Single(Analyze(operation, body).Checks);

        Assert.Equal(action, check.Action);
        Assert.Equal(resource, check.Resource);
        Assert.Null(LeadingKeys(check));
    }

    [Fact]
    public void Analyze_PartiQLInList_CollectsEveryValue()
    {
        var check = Assert.Single(Analyze("ExecuteStatement", """{"Statement":"SELECT * FROM \"Applications\".\"ByName\" WHERE organizationId IN ['a', ?]","Parameters":[{"S":"b"}]}""").Checks);

        Assert.Equal(TestData.ApplicationsArn + "/index/ByName", check.Resource);
        Assert.Equal(["a", "b"], LeadingKeys(check));
    }

    [Theory]
    [InlineData("GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"a"}}}""", new[] { "Applications" })]
    [InlineData("BatchWriteItem", """{"RequestItems":{"Applications":[],"Organizations":[]}}""", new[] { "Applications", "Organizations" })]
    [InlineData("TransactGetItems", """{"TransactItems":[{"Get":{"TableName":"A12"}},{"Get":{"TableName":"arn:aws:dynamodb:us-east-1:000000000000:table/B12"}}]}""", new[] { "A12", "B12" })]
    [InlineData("ExecuteStatement", """{"Statement":"SELECT * FROM \"Applications\".\"ByName\""}""", new[] { "Applications" })]
    [InlineData("BatchExecuteStatement", """{"Statements":[{"Statement":"DELETE FROM T01 WHERE a = 1"},{"Statement":"INSERT INTO T02 VALUE {'a': 1}"}]}""", new[] { "T01", "T02" })]
    [InlineData("GetItem", """{"TableName":"Applications" """, new string[0])]
    [InlineData("GetItem", """{"TableName":"a/b"}""", new string[0])]
    public void ReferencedTables_ListsEveryTableNamed(string operation, string body, string[] expected)
    {
        Assert.Equal(expected, DynamoDbRequestAnalyzer.ReferencedTables(operation, Encoding.UTF8.GetBytes(body)));
    }

    [Theory]
    [InlineData("GetItem", """{"TableName":5,"Key":{}}""")]
    [InlineData("GetItem", """{"TableName":"Applications","Key":"organizationId"}""")]
    [InlineData("GetItem", """{"TableName":"Applications","Key":{"organizationId":"acme"}}""")]
    [InlineData("GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":5}}}""")]
    [InlineData("GetItem", """{"TableName":"Applications","Key":{"organizationId":{}}}""")]
    [InlineData("GetItem", """{"TableName":"Applications","Key":null}""")]
    [InlineData("GetItem", """null""")]
    [InlineData("GetItem", """ """)]
    [InlineData("GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"a"}}} trailing""")]
    [InlineData("BatchGetItem", """{"RequestItems":[]}""")]
    [InlineData("BatchGetItem", """{"RequestItems":{}}""")]
    [InlineData("BatchGetItem", """{"RequestItems":{"Applications":{"Keys":[]}}}""")]
    [InlineData("BatchGetItem", """{"RequestItems":{"Applications":[]}}""")]
    [InlineData("BatchWriteItem", """{"RequestItems":{"Applications":{}}}""")]
    [InlineData("BatchWriteItem", """{"RequestItems":{"Applications":["x"]}}""")]
    [InlineData("TransactWriteItems", """{"TransactItems":{"Put":{}}}""")]
    [InlineData("TransactWriteItems", """{"TransactItems":[{}]}""")]
    [InlineData("TransactGetItems", """{"TransactItems":[{"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"a"}}}}]}""")]
    [InlineData("Query", """{"TableName":"Applications","KeyConditionExpression":5}""")]
    [InlineData("Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":[]}""")]
    [InlineData("Query", """{"TableName":"Applications","KeyConditionExpression":"#x = :o","ExpressionAttributeValues":{":o":{"S":"a"}}}""")]
    [InlineData("Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o; DROP","ExpressionAttributeValues":{":o":{"S":"a"}}}""")]
    [InlineData("Query", """{"TableName":"Applications","IndexName":7,"KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"a"}}}""")]
    [InlineData("ExecuteStatement", """{"Statement":5}""")]
    [InlineData("ExecuteStatement", """{"Statement":""}""")]
    [InlineData("ExecuteStatement", """{"Statement":"SELECT * FROM"}""")]
    [InlineData("ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = ?","Parameters":{"S":"a"}}""")]
    [InlineData("ExecuteStatement", """{"Statement":"UPDATE \"Applications\".\"ByName\" SET a = 1 WHERE organizationId = 'a'"}""")]
    [InlineData("ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'a' # comment"}""")]
    [InlineData("BatchExecuteStatement", """{"Statements":[]}""")]
    [InlineData("DescribeTable", """{}""")]
    [InlineData("", """{}""")]
    public void Analyze_WrongShapes_CannotAnalyze(string operation, string body)
    {
        var analysis = Analyze(operation, body);

        Assert.False(analysis.Succeeded);
        Assert.False(string.IsNullOrWhiteSpace(analysis.Error));
        Assert.Empty(analysis.Checks);
    }

    [Fact]
    public void Analyze_EveryTruncationOfAValidBody_CannotAnalyze()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"TransactItems":[{"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"org-a"},"tags":{"L":[{"M":{"k":{"S":"v"}}}]}}}},
              {"Delete":{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"},"applicationId":{"S":"x"}}}}]}
            """);

        Assert.True(Analyzer.Analyze("TransactWriteItems", body, TestData.Schemas).Succeeded);
        for (var length = 0; length < body.Length - 2; length++)
        {
            var analysis = Analyzer.Analyze("TransactWriteItems", body.AsSpan(0, length), TestData.Schemas);
            Assert.False(analysis.Succeeded, $"prefix of {length} bytes was analyzed");
        }
    }

    [Fact]
    public void Analyze_DeeplyNestedJson_CannotAnalyze()
    {
        var body = "{\"TableName\":\"Applications\",\"Key\":{\"organizationId\":{\"S\":\"a\"}},\"Item\":" + new string('[', 200_000) + new string(']', 200_000) + "}";

        var analysis = Analyze("GetItem", body);

        Assert.False(analysis.Succeeded);
    }

    [Fact]
    public void Analyze_NestingWithinDynamoDbLimits_IsAccepted()
    {
        // 32 levels of nested maps inside an item, as DynamoDB allows.
        var value = "{\"S\":\"leaf\"}";
        for (var i = 0; i < 31; i++)
        {
            value = "{\"M\":{\"n\":" + value + "}}";
        }

        var analysis = Analyze("PutItem", "{\"TableName\":\"Applications\",\"Item\":{\"organizationId\":{\"S\":\"a\"},\"deep\":" + value + "}}");

        Assert.True(analysis.Succeeded, analysis.Error);
    }

    [Fact]
    public void Analyze_OneMegabyteStrings_DoNotThrowOrEcho()
    {
        var big = new string('q', 1 << 20);

        var asTable = Analyze("GetItem", $$$"""{"TableName":"{{{big}}}","Key":{"organizationId":{"S":"a"}} }""");
        var asKey = Analyze("GetItem", $$$"""{"TableName":"Applications","Key":{"organizationId":{"S":"{{{big}}}"}} }""");
        var asStatement = Analyze("ExecuteStatement", $$$"""{"Statement":"SELECT * FROM Applications WHERE organizationId = '{{{big}}}'"}""");

        Assert.False(asTable.Succeeded);
        Assert.True(asTable.Error.Length < 200);
        Assert.Equal(big, Assert.Single(asKey.Checks).ConditionKeys["dynamodb:LeadingKeys"][0]);
        Assert.True(asStatement.Succeeded);
    }

    [Fact]
    public void Analyze_InvalidUtf8AndGarbage_CannotAnalyze()
    {
        byte[][] bodies =
        [
            [0xFF, 0xFE, 0x00],
            [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'],
            [],
            Encoding.UTF8.GetBytes("\u0000\u0001"),
        ];

        foreach (var body in bodies)
        {
            Assert.False(Analyzer.Analyze("GetItem", body, TestData.Schemas).Succeeded);
        }
    }

    [Fact]
    public void Analyze_ErrorMessages_DoNotEchoRequestContent()
    {
        var analysis = Analyze("GetItem", """{"TableName":"secret-token-value/x","Key":{"organizationId":{"S":"a"}}}""");
        var duplicate = Analyze("GetItem", """{"TableName":"Applications","secret-token-value":1,"secret-token-value":2}""");

        Assert.DoesNotContain("secret-token-value", analysis.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", duplicate.Error, StringComparison.Ordinal);
        Assert.Contains("duplicate", duplicate.Error, StringComparison.Ordinal);
    }

    /// <summary>Every distinct corpus request (both organizations of each template, the fixed and read-only rows) and unreadable bodies.</summary>
    public static TheoryData<string, string> CorpusRequests()
    {
        var requests = new List<(string Operation, string Body)>();
        foreach (var (_, operation, template) in TenantIsolationCorpus.Templates)
        {
            requests.Add((operation, template.Replace("{O}", TenantIsolationCorpus.Own, StringComparison.Ordinal)));
            requests.Add((operation, template.Replace("{O}", TenantIsolationCorpus.Other, StringComparison.Ordinal)));
        }

        requests.AddRange(TenantIsolationCorpus.Fixed.Concat(TenantIsolationCorpus.ReadOnlyRows).Select(row => (row.Operation, row.Body)));
        requests.Add(("GetItem", """{"TableName":"Applications" """));
        requests.Add(("GetItem", """{"TableName":"Applications","TableName":"Organizations"}"""));
        requests.Add(("DynamoDB_20120810.GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"a"}}}"""));
        requests.Add(("GetItem", "[]"));

        var data = new TheoryData<string, string>();
        foreach (var (operation, body) in requests.Distinct())
        {
            data.Add(operation, body);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusRequests))]
    public async Task AnalyzeAsync_CorpusRequest_SameTablesAndAnalysisAsReferencedTablesThenAnalyze(string operation, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var expectedTables = DynamoDbRequestAnalyzer.ReferencedTables(operation, bytes);
        var expected = Analyzer.Analyze(operation, bytes, TestData.Schemas);
        var loads = new List<IReadOnlyList<string>>();

        var actual = await Analyzer.AnalyzeAsync(operation, bytes, (tables, _) =>
        {
            loads.Add(tables);
            return ValueTask.CompletedTask;
        }, TestData.Schemas);

        Assert.Equal(expectedTables, actual.ReferencedTables);
        Assert.Equal(expectedTables, Assert.Single(loads));
        Assert.Equal(Describe(expected), Describe(actual.Analysis));
    }

    [Fact]
    public async Task AnalyzeAsync_SchemasLoadedForTheReferencedTables_AnalysisUsesThem()
    {
        var known = new Dictionary<string, TableKeySchema>(StringComparer.Ordinal);
        var body = Encoding.UTF8.GetBytes("""{"TransactItems":[{"Get":{"TableName":"Applications","Key":{"organizationId":{"S":"a"}}}},{"Get":{"TableName":"Organizations","Key":{"organizationId":{"S":"a"}}}}]}""");

        var result = await Analyzer.AnalyzeAsync("TransactGetItems", body, (tables, _) =>
        {
            foreach (var table in tables)
            {
                known[table] = TestData.Schemas(table)!;
            }

            return ValueTask.CompletedTask;
        }, table => known.GetValueOrDefault(table));

        Assert.Equal(["Applications", "Organizations"], result.ReferencedTables);
        Assert.True(result.Analysis.Succeeded, result.Analysis.Error);
        Assert.Equal(2, result.Analysis.Checks.Count);
        Assert.False(Analyzer.Analyze("TransactGetItems", body, _ => null).Succeeded); // the twin: without the loaded schemas it cannot analyze
    }

    private static string Describe(RequestAnalysis analysis) =>
        $"{analysis.Operation} | {analysis.Succeeded} | {analysis.Error} | tables {string.Join(",", analysis.Tables)} | "
        + string.Join("; ", analysis.Checks.Select(c =>
            $"{c.Action} {c.Resource} {string.Join(" ", c.ConditionKeys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Key + "=" + string.Join(",", k.Value)))}"));
}
