namespace Gateway.Policies.Tests.Corpus;

public class TenantIsolationCorpusTests
{
    private static readonly Gateway.Policies.Documents.PolicyDocument OrgAPolicy = TestData.PolicyFor(TenantIsolationCorpus.Own).Document;

    public static TheoryData<string, string, string, bool> Rows()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var (name, operation, template) in TenantIsolationCorpus.Templates)
        {
            data.Add($"own org: {name}", operation, template.Replace("{O}", TenantIsolationCorpus.Own, StringComparison.Ordinal), true);
            data.Add($"other org: {name}", operation, template.Replace("{O}", TenantIsolationCorpus.Other, StringComparison.Ordinal), false);
        }

        foreach (var (name, operation, body, allowed) in TenantIsolationCorpus.Fixed)
        {
            data.Add(name, operation, body, allowed);
        }

        return data;
    }

    public static TheoryData<string, string, string, bool> ReadOnlyRows()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var (name, operation, body, allowed) in TenantIsolationCorpus.ReadOnlyRows)
        {
            data.Add(name, operation, body, allowed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Request_UnderOrgAReadWritePolicy_HasExpectedDecision(string name, string operation, string body, bool allowed)
    {
        var (actual, why) = TestData.Authorize(OrgAPolicy, operation, body);

        Assert.True(actual == allowed, $"{name}: expected {(allowed ? "allow" : "deny")} but got {(actual ? "allow" : "deny")} ({why})");
    }

    [Theory]
    [MemberData(nameof(ReadOnlyRows))]
    public void Request_UnderOrgAReadOnlyPolicy_HasExpectedDecision(string name, string operation, string body, bool allowed)
    {
        var policy = TestData.PolicyFor(TenantIsolationCorpus.Own, TestData.ReadOnly).Document;

        var (actual, why) = TestData.Authorize(policy, operation, body);

        Assert.True(actual == allowed, $"{name}: expected {(allowed ? "allow" : "deny")} but got {(actual ? "allow" : "deny")} ({why})");
    }

    [Fact]
    public void Corpus_CoversEveryAnalyzedOperation()
    {
        var operations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in TenantIsolationCorpus.Templates)
        {
            operations.Add(row.Operation);
        }

        foreach (var row in TenantIsolationCorpus.Fixed)
        {
            operations.Add(row.Operation);
        }

        string[] required =
        [
            "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
            "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
            "DescribeTable", "ListTables", "CreateTable", "DeleteTable", "UpdateTable",
        ];
        Assert.All(required, operation => Assert.Contains(operation, operations));
    }

    [Fact]
    public void Corpus_HasBothAllowAndDenyRows()
    {
        var rows = Rows();
        var allows = rows.Count(row => (bool)row[3]);
        var denies = rows.Count(row => !(bool)row[3]);

        Assert.True(allows >= 20, $"{allows} allow rows");
        Assert.True(denies >= 60, $"{denies} deny rows");
    }
}
