namespace Gateway.Policies.Tests.Corpus;

/// <summary>
/// The table-driven corpus: every row is one DynamoDB request (operation + JSON body) run through the analyzer and the
/// evaluator against the builder-made session policy for <c>org-a</c> (read-write + PartiQL on Applications).
/// Templates use <c>{O}</c> for the organization id: each template yields an allow row for <c>org-a</c> and its deny
/// twin for <c>org-b</c>.
/// </summary>
internal static class TenantIsolationCorpus
{
    public const string Own = "org-a";
    public const string Other = "org-b";

    /// <summary>Requests that must be allowed for the own organization and denied for any other.</summary>
    public static readonly (string Name, string Operation, string Template)[] Templates =
    [
        ("GetItem", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-1"}}}"""),
        ("GetItem table ARN", "GetItem", """{"TableName":"arn:aws:dynamodb:us-east-1:000000000000:table/Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-1"}}}"""),
        ("PutItem", "PutItem", """{"TableName":"Applications","Item":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-9"},"name":{"S":"x"}}}"""),
        ("UpdateItem", "UpdateItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-1"}},"UpdateExpression":"SET #n = :n","ExpressionAttributeNames":{"#n":"name"},"ExpressionAttributeValues":{":n":{"S":"y"}}}"""),
        ("DeleteItem", "DeleteItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-1"}}}"""),
        ("Query placeholders", "Query", """{"TableName":"Applications","KeyConditionExpression":"#pk = :pk","ExpressionAttributeNames":{"#pk":"organizationId"},"ExpressionAttributeValues":{":pk":{"S":"{O}"}}}"""),
        ("Query raw name + sort condition", "Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o AND begins_with(applicationId, :p)","ExpressionAttributeValues":{":o":{"S":"{O}"},":p":{"S":"app-"}}}"""),
        ("Query value on the left + BETWEEN", "Query", """{"TableName":"Applications","KeyConditionExpression":":o = organizationId AND applicationId BETWEEN :a AND :b","ExpressionAttributeValues":{":o":{"S":"{O}"},":a":{"S":"a"},":b":{"S":"z"}}}"""),
        ("Query legacy KeyConditions", "Query", """{"TableName":"Applications","KeyConditions":{"organizationId":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"{O}"}]}}}"""),
        ("Query GSI ByName", "Query", """{"TableName":"Applications","IndexName":"ByName","KeyConditionExpression":"organizationId = :o AND #n = :n","ExpressionAttributeNames":{"#n":"name"},"ExpressionAttributeValues":{":o":{"S":"{O}"},":n":{"S":"Acme Billing"}}}"""),
        ("BatchGetItem", "BatchGetItem", """{"RequestItems":{"Applications":{"Keys":[{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-1"}},{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-2"}}]}}}"""),
        ("BatchWriteItem", "BatchWriteItem", """{"RequestItems":{"Applications":[{"PutRequest":{"Item":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-3"}}}},{"DeleteRequest":{"Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-4"}}}}]}}"""),
        ("TransactGetItems", "TransactGetItems", """{"TransactItems":[{"Get":{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-1"}}}},{"Get":{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"app-2"}}}}]}"""),
        ("TransactWriteItems", "TransactWriteItems", """{"TransactItems":[{"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"{O}"},"applicationId":{"S":"a"}}}},{"Update":{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"b"}},"UpdateExpression":"SET x = :x","ExpressionAttributeValues":{":x":{"N":"1"}}}},{"Delete":{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"c"}}}},{"ConditionCheck":{"TableName":"Applications","Key":{"organizationId":{"S":"{O}"},"applicationId":{"S":"d"}},"ConditionExpression":"attribute_exists(applicationId)"}}]}"""),
        ("PartiQL SELECT WHERE literal", "ExecuteStatement", """{"Statement":"SELECT * FROM \"Applications\" WHERE organizationId = '{O}'"}"""),
        ("PartiQL SELECT WHERE literal on the left, more conjuncts", "ExecuteStatement", """{"Statement":"select name from Applications where '{O}' = \"organizationId\" and applicationId BETWEEN 'a' AND 'z' and name <> 'x'"}"""),
        ("PartiQL SELECT WHERE parameter", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = ? AND applicationId = ?","Parameters":[{"S":"{O}"},{"S":"app-1"}]}"""),
        ("PartiQL SELECT on index", "ExecuteStatement", """{"Statement":"SELECT * FROM \"Applications\".\"ByName\" WHERE organizationId = '{O}'"}"""),
        ("PartiQL SELECT IN list", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId IN ['{O}']"}"""),
        ("PartiQL INSERT", "ExecuteStatement", """{"Statement":"INSERT INTO \"Applications\" VALUE {'organizationId': '{O}', 'applicationId': 'app-7', 'meta': {'organizationId': 'nested'}}"}"""),
        ("PartiQL INSERT parameter", "ExecuteStatement", """{"Statement":"INSERT INTO Applications VALUE {'organizationId': ?, 'applicationId': ?}","Parameters":[{"S":"{O}"},{"S":"app-8"}]}"""),
        ("PartiQL UPDATE", "ExecuteStatement", """{"Statement":"UPDATE \"Applications\" SET name = 'n' WHERE organizationId = '{O}' AND applicationId = 'app-1' RETURNING ALL NEW *"}"""),
        ("PartiQL DELETE", "ExecuteStatement", """{"Statement":"DELETE FROM \"Applications\" WHERE organizationId = '{O}' AND applicationId = 'app-1'"}"""),
        ("BatchExecuteStatement", "BatchExecuteStatement", """{"Statements":[{"Statement":"SELECT * FROM Applications WHERE organizationId = '{O}' AND applicationId = 'a'"},{"Statement":"SELECT * FROM Applications WHERE organizationId = ? AND applicationId = 'b'","Parameters":[{"S":"{O}"}]}]}"""),
        ("ExecuteTransaction", "ExecuteTransaction", """{"TransactStatements":[{"Statement":"UPDATE Applications SET n = 1 WHERE organizationId = '{O}' AND applicationId = 'a'"},{"Statement":"DELETE FROM Applications WHERE organizationId = '{O}' AND applicationId = 'b'"}]}"""),
    ];

    /// <summary>Rows with a fixed expectation (deny-by-policy, mixed tenants, unanalyzable input).</summary>
    public static readonly (string Name, string Operation, string Body, bool Allowed)[] Fixed =
    [
        // Never granted, even for the own organization (no LeadingKeys or not an item action).
        ("Scan own table", "Scan", """{"TableName":"Applications"}""", false),
        ("Scan with filter on own org", "Scan", """{"TableName":"Applications","FilterExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"org-a"}}}""", false),
        ("Scan index", "Scan", """{"TableName":"Applications","IndexName":"ByName"}""", false),
        ("DescribeTable", "DescribeTable", """{"TableName":"Applications"}""", false),
        ("ListTables", "ListTables", """{}""", false),
        ("CreateTable", "CreateTable", """{"TableName":"Applications2","KeySchema":[{"AttributeName":"organizationId","KeyType":"HASH"}]}""", false),
        ("DeleteTable", "DeleteTable", """{"TableName":"Applications"}""", false),
        ("UpdateTable", "UpdateTable", """{"TableName":"Applications","BillingMode":"PAY_PER_REQUEST"}""", false),
        ("PartiQL SELECT without WHERE", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications"}""", false),
        ("PartiQL SELECT WHERE sort key only", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE applicationId = 'app-1'"}""", false),
        ("PartiQL SELECT WHERE own OR other", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a' OR organizationId = 'org-b'"}""", false),
        ("PartiQL SELECT WHERE own OR anything", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a' OR applicationId = 'x'"}""", false),
        ("PartiQL SELECT WHERE own AND x OR other", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a' AND applicationId = 'x' OR organizationId = 'org-b'"}""", false),
        ("PartiQL pinning conjunct hidden in a line comment", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE applicationId = 'x' -- AND organizationId = 'org-a'"}""", false),
        ("PartiQL pinning conjunct hidden in a block comment", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE applicationId = 'x' /* AND organizationId = 'org-a' */"}""", false),
        ("PartiQL second statement after semicolon", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a'; SELECT * FROM Applications"}""", false),
        ("PartiQL trailing semicolon own org", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a';"}""", true),
        ("PartiQL comment characters inside a string literal", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a' AND name = 'a -- b /* c'"}""", true),
        ("PartiQL backslash in a string literal", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE applicationId = 'a\\' AND organizationId = 'org-a' AND name = 'b'"}""", false),
        ("PartiQL doubled quote in a string literal", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a' AND name = 'O''Brien'"}""", true),
        ("PartiQL SELECT WHERE NOT other", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE NOT organizationId = 'org-b'"}""", false),
        ("PartiQL SELECT WHERE begins_with", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE begins_with(organizationId, 'org-a')"}""", false),
        ("PartiQL SELECT WHERE pk > own", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId > 'org-a'"}""", false),
        ("PartiQL SELECT IN own and other", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId IN ['org-a', 'org-b']"}""", false),
        ("PartiQL SELECT own AND other", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a' AND organizationId = 'org-b'"}""", false),
        ("PartiQL EXISTS", "ExecuteTransaction", """{"TransactStatements":[{"Statement":"EXISTS(SELECT * FROM Applications WHERE organizationId = 'org-a')"}]}""", false),
        // One other-organization key among own keys.
        ("BatchGetItem mixed", "BatchGetItem", """{"RequestItems":{"Applications":{"Keys":[{"organizationId":{"S":"org-a"},"applicationId":{"S":"1"}},{"organizationId":{"S":"org-b"},"applicationId":{"S":"2"}},{"organizationId":{"S":"org-a"},"applicationId":{"S":"3"}}]}}}""", false),
        ("BatchWriteItem mixed put", "BatchWriteItem", """{"RequestItems":{"Applications":[{"PutRequest":{"Item":{"organizationId":{"S":"org-a"},"applicationId":{"S":"1"}}}},{"PutRequest":{"Item":{"organizationId":{"S":"org-b"},"applicationId":{"S":"2"}}}}]}}""", false),
        ("BatchWriteItem mixed delete", "BatchWriteItem", """{"RequestItems":{"Applications":[{"PutRequest":{"Item":{"organizationId":{"S":"org-a"},"applicationId":{"S":"1"}}}},{"DeleteRequest":{"Key":{"organizationId":{"S":"org-b"},"applicationId":{"S":"2"}}}}]}}""", false),
        ("TransactWriteItems mixed", "TransactWriteItems", """{"TransactItems":[{"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"org-a"},"applicationId":{"S":"a"}}}},{"ConditionCheck":{"TableName":"Applications","Key":{"organizationId":{"S":"org-b"},"applicationId":{"S":"d"}},"ConditionExpression":"attribute_exists(x)"}}]}""", false),
        ("TransactGetItems mixed", "TransactGetItems", """{"TransactItems":[{"Get":{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"},"applicationId":{"S":"a"}}}},{"Get":{"TableName":"Applications","Key":{"organizationId":{"S":"org-b"},"applicationId":{"S":"b"}}}}]}""", false),
        ("BatchExecuteStatement mixed", "BatchExecuteStatement", """{"Statements":[{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a'"},{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-b'"}]}""", false),
        ("ExecuteTransaction mixed", "ExecuteTransaction", """{"TransactStatements":[{"Statement":"DELETE FROM Applications WHERE organizationId = 'org-a' AND applicationId = 'a'"},{"Statement":"DELETE FROM Applications WHERE organizationId = 'org-b' AND applicationId = 'b'"}]}""", false),
        ("BatchGetItem own table + table outside the policy", "BatchGetItem", """{"RequestItems":{"Applications":{"Keys":[{"organizationId":{"S":"org-a"},"applicationId":{"S":"1"}}]},"Organizations":{"Keys":[{"organizationId":{"S":"org-a"}}]}}}""", false),
        // Indexes: the index's own partition key is what LeadingKeys carries.
        ("Query GSI whose partition key is not the org", "Query", """{"TableName":"Applications","IndexName":"ByCreator","KeyConditionExpression":"createdBy = :u","ExpressionAttributeValues":{":u":{"S":"alice"}}}""", false),
        ("Query GSI ByName naming own org on the table key only", "Query", """{"TableName":"Applications","IndexName":"ByCreator","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"org-a"}}}""", false),
        ("Query unknown index", "Query", """{"TableName":"Applications","IndexName":"Nope","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"org-a"}}}""", false),
        // Query shapes that do not pin the partition key.
        ("Query pk in begins_with", "Query", """{"TableName":"Applications","KeyConditionExpression":"begins_with(organizationId, :o)","ExpressionAttributeValues":{":o":{"S":"org-a"}}}""", false),
        ("Query pk equality plus another use of pk", "Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o AND begins_with(#pk, :p)","ExpressionAttributeNames":{"#pk":"organizationId"},"ExpressionAttributeValues":{":o":{"S":"org-a"},":p":{"S":"org-"}}}""", false),
        ("Query pk equality plus OR", "Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o OR organizationId = :b","ExpressionAttributeValues":{":o":{"S":"org-a"},":b":{"S":"org-b"}}}""", false),
        ("Query own and other equality", "Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o AND #p = :b","ExpressionAttributeNames":{"#p":"organizationId"},"ExpressionAttributeValues":{":o":{"S":"org-a"},":b":{"S":"org-b"}}}""", false),
        ("Query both expression and legacy", "Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"org-a"}},"KeyConditions":{"organizationId":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"org-b"}]}}}""", false),
        ("Query undefined value placeholder", "Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o"}""", false),
        ("Query legacy BEGINS_WITH", "Query", """{"TableName":"Applications","KeyConditions":{"organizationId":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"org-a"}]}}}""", false),
        // Other tables and unanalyzable or smuggling input.
        ("GetItem table outside the policy", "GetItem", """{"TableName":"OrganizationUsers","Key":{"userId":{"S":"org-a"},"organizationId":{"S":"org-a"}}}""", false),
        ("GetItem unknown table", "GetItem", """{"TableName":"Secrets","Key":{"organizationId":{"S":"org-a"}}}""", false),
        ("GetItem table ARN of another account", "GetItem", """{"TableName":"arn:aws:dynamodb:us-east-1:111111111111:table/Applications","Key":{"organizationId":{"S":"org-a"}}}""", false),
        ("GetItem table name with slash", "GetItem", """{"TableName":"Applications/index/ByName","Key":{"organizationId":{"S":"org-a"}}}""", false),
        ("GetItem duplicate Key member", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"}},"Key":{"organizationId":{"S":"org-b"}}}""", false),
        ("GetItem duplicate Key member, own last", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-b"}},"Key":{"organizationId":{"S":"org-a"}}}""", false),
        ("GetItem duplicate partition key attribute, own last", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-b"},"organizationId":{"S":"org-a"}}}""", false),
        ("GetItem duplicate partition key attribute", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"},"organizationId":{"S":"org-b"}}}""", false),
        ("GetItem duplicate TableName", "GetItem", """{"TableName":"Applications","TableName":"OrganizationUsers","Key":{"organizationId":{"S":"org-a"}}}""", false),
        ("GetItem missing partition key", "GetItem", """{"TableName":"Applications","Key":{"applicationId":{"S":"app-1"}}}""", false),
        ("GetItem partition key as a list", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"L":[{"S":"org-a"}]}}}""", false),
        ("GetItem partition key with two types", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-a","N":"1"}}}""", false),
        ("GetItem truncated JSON", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"}""", false),
        ("GetItem body is an array", "GetItem", """[{"TableName":"Applications"}]""", false),
        ("Unknown operation", "GetEverything", """{"TableName":"Applications"}""", false),
        ("BatchWriteItem unknown request kind", "BatchWriteItem", """{"RequestItems":{"Applications":[{"UpsertRequest":{"Item":{"organizationId":{"S":"org-a"}}}}]}}""", false),
        ("TransactWriteItems two kinds in one entry", "TransactWriteItems", """{"TransactItems":[{"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"org-a"}}},"Delete":{"TableName":"Applications","Key":{"organizationId":{"S":"org-b"}}}}]}""", false),
        ("PartiQL parameter missing", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = ?"}""", false),
        ("PartiQL unterminated string", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a"}""", false),
        ("PartiQL quoted pk with other value", "ExecuteStatement", """{"Statement":"SELECT * FROM \"Applications\" WHERE \"organizationId\" = 'org-b'"}""", false),
        ("PartiQL INSERT other org", "ExecuteStatement", """{"Statement":"INSERT INTO Applications VALUE {'applicationId': 'x', 'organizationId': 'org-b'}"}""", false),
        ("PartiQL INSERT pk only nested", "ExecuteStatement", """{"Statement":"INSERT INTO Applications VALUE {'applicationId': 'x', 'meta': {'organizationId': 'org-a'}}"}""", false),
    ];

    /// <summary>The same rows under the shipped read-only set: reads allowed, writes denied.</summary>
    public static readonly (string Name, string Operation, string Body, bool Allowed)[] ReadOnlyRows =
    [
        ("read-only GetItem own", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"},"applicationId":{"S":"app-1"}}}""", true),
        ("read-only Query own", "Query", """{"TableName":"Applications","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"org-a"}}}""", true),
        ("read-only Query GSI own", "Query", """{"TableName":"Applications","IndexName":"ByName","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"org-a"}}}""", true),
        ("read-only BatchGetItem own", "BatchGetItem", """{"RequestItems":{"Applications":{"Keys":[{"organizationId":{"S":"org-a"},"applicationId":{"S":"1"}}]}}}""", true),
        ("read-only GetItem other", "GetItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-b"},"applicationId":{"S":"app-1"}}}""", false),
        ("read-only PutItem own", "PutItem", """{"TableName":"Applications","Item":{"organizationId":{"S":"org-a"},"applicationId":{"S":"app-9"}}}""", false),
        ("read-only DeleteItem own", "DeleteItem", """{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"},"applicationId":{"S":"app-1"}}}""", false),
        ("read-only BatchWriteItem own", "BatchWriteItem", """{"RequestItems":{"Applications":[{"PutRequest":{"Item":{"organizationId":{"S":"org-a"},"applicationId":{"S":"1"}}}}]}}""", false),
        ("read-only TransactWriteItems own ConditionCheck+Put", "TransactWriteItems", """{"TransactItems":[{"ConditionCheck":{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"},"applicationId":{"S":"d"}},"ConditionExpression":"attribute_exists(x)"}},{"Put":{"TableName":"Applications","Item":{"organizationId":{"S":"org-a"},"applicationId":{"S":"a"}}}}]}""", false),
        ("read-only TransactWriteItems own ConditionCheck only", "TransactWriteItems", """{"TransactItems":[{"ConditionCheck":{"TableName":"Applications","Key":{"organizationId":{"S":"org-a"},"applicationId":{"S":"d"}},"ConditionExpression":"attribute_exists(x)"}}]}""", true),
        ("read-only PartiQL SELECT own (PartiQL not granted)", "ExecuteStatement", """{"Statement":"SELECT * FROM Applications WHERE organizationId = 'org-a'"}""", false),
    ];
}
