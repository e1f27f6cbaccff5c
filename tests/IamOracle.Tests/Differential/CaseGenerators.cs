using CsCheck;

namespace IamOracle.Tests.Differential;

/// <summary>
/// CsCheck generators for the differential test: policies around DynamoDB tenant scoping (Allow/Deny,
/// Action/NotAction with wildcards and case, Resource/NotResource with <c>*</c>/<c>?</c>, index ARNs and variables,
/// every supported condition operator with <c>ForAllValues:</c>/<c>ForAnyValue:</c> and <c>…IfExists</c>, policy
/// variables) and requests whose context holds only the keys the action supports (as AWS sends them).
/// Value pools are small on purpose so that conditions match, miss and nearly match about equally often.
/// </summary>
internal static class CaseGenerators
{
    public const string TableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/";

    public enum KeyType
    {
        String,
        Date,
        Numeric,
        Bool,
        Ip,
        Arn,
    }

    /// <summary>A context key the generator knows: its type, whether it is multi-valued, and values a request may carry.</summary>
    public sealed record KeySpec(string Name, KeyType Type, bool MultiValued, string[] RequestValues, string[] PolicyValues);

    private static readonly string[] Organizations = ["acme", "acme-eu", "Acme", "globex"];
    private static readonly string[] Dates = ["2024-01-01T00:00:00Z", "2024-06-01T12:30:00Z", "2025-01-01T00:00:00Z"];
    private static readonly string[] PolicyDates = ["2024-01-01T00:00:00Z", "2024-06-01T12:30:00Z", "2024-06-01T12:30:00.000Z", "2025-01-01T00:00:00Z", "2023-12-31T23:59:59Z"];

    /// <summary>DynamoDB condition keys: sent only when iam-data lists them for the action.</summary>
    public static readonly KeySpec[] DynamoDbKeys =
    [
        new("dynamodb:LeadingKeys", KeyType.String, true, Organizations,
            [.. Organizations, "acme*", "acme?eu", "*", "${aws:PrincipalTag/organizationId}", "${aws:PrincipalTag/missing, 'acme'}", "${aws:userid}"]),
        new("dynamodb:Attributes", KeyType.String, true, ["organizationId", "applicationId", "name", "secret"],
            ["organizationId", "applicationId", "name", "secret", "Name", "*Id", "n?me"]),
        new("dynamodb:Select", KeyType.String, false, ["ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"],
            ["ALL_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT", "all_attributes", "*ATTRIBUTES"]),
        new("dynamodb:ReturnValues", KeyType.String, false, ["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD"],
            ["NONE", "ALL_OLD", "ALL_NEW", "ALL_*", "none"]),
    ];

    /// <summary>Global keys: every request may carry them.</summary>
    public static readonly KeySpec[] GlobalKeys =
    [
        new("aws:PrincipalTag/organizationId", KeyType.String, false, ["acme", "globex", "acme-eu", "ac*e"],
            [.. Organizations, "ac*e", "acme*", "${aws:userid}"]),
        new("aws:PrincipalTag/team", KeyType.String, false, ["T", "U", "data"], ["T", "U", "t", "*"]),
        new("aws:userid", KeyType.String, false, ["AROAEXAMPLEID:acme+read-write", "AROAEXAMPLEID:acme+read-write@alice", "AROAEXAMPLEID:globex+read-only"],
            ["*:acme+*", "*:acme+read-write", "AROAEXAMPLEID:acme+read-write", "*:globex+*", "*:${aws:PrincipalTag/organizationId}+*", "aroaexampleid:acme+read-write"]),
        new("aws:SourceIdentity", KeyType.String, false, ["alice", "bob"], ["alice", "bob", "Alice", "a*", "${aws:SourceIdentity}"]),
        new("aws:TokenIssueTime", KeyType.Date, false, Dates, PolicyDates),
        new("aws:CurrentTime", KeyType.Date, false, Dates, PolicyDates),
        new("aws:SecureTransport", KeyType.Bool, false, ["true", "false"], ["true", "false"]),
        new("aws:PrincipalArn", KeyType.Arn, false, ["arn:aws:iam::000000000000:role/TenantRole", "arn:aws:iam::000000000000:role/Other", "arn:aws:iam::111111111111:role/TenantRole"],
            ["arn:aws:iam::000000000000:role/TenantRole", "arn:aws:iam::*:role/TenantRole", "arn:aws:iam::000000000000:role/*", "arn:aws:iam::000000000000:*", "arn:aws:iam::000000000000:role/Tenant?ole", "arn:aws:iam::000000000000:role/tenantrole"]),
        new("aws:SourceIp", KeyType.Ip, false, ["10.0.0.1", "192.168.1.5", "203.0.113.9"], ["10.0.0.0/8", "192.168.1.5", "192.168.1.5/32", "203.0.113.0/24", "0.0.0.0/0"]),
        new("aws:MultiFactorAuthAge", KeyType.Numeric, false, ["0", "300", "3600"], ["0", "300", "299.5", "3600", "86400"]),
    ];

    public static readonly KeySpec[] AllKeys = [.. DynamoDbKeys, .. GlobalKeys];

    /// <summary>Request actions and the resources each may be requested on.</summary>
    public static readonly (string Action, string[] Resources)[] RequestActions =
    [
        ("dynamodb:GetItem", [TableArn + "T", TableArn + "U"]),
        ("dynamodb:PutItem", [TableArn + "T", TableArn + "U"]),
        ("dynamodb:UpdateItem", [TableArn + "T"]),
        ("dynamodb:DeleteItem", [TableArn + "T"]),
        ("dynamodb:ConditionCheckItem", [TableArn + "T"]),
        ("dynamodb:BatchGetItem", [TableArn + "T", TableArn + "data"]),
        ("dynamodb:BatchWriteItem", [TableArn + "T"]),
        ("dynamodb:Query", [TableArn + "T", TableArn + "T/index/ByName", TableArn + "U/index/Other"]),
        ("dynamodb:Scan", [TableArn + "T", TableArn + "T/index/ByName"]),
        ("dynamodb:PartiQLSelect", [TableArn + "T", TableArn + "T/index/ByName"]),
        ("dynamodb:PartiQLInsert", [TableArn + "T"]),
        ("dynamodb:DescribeTable", [TableArn + "T"]),
        ("dynamodb:ListTables", ["*"]),
    ];

    private static readonly string[] ActionPatterns =
    [
        "dynamodb:GetItem", "dynamodb:getitem", "DynamoDB:GetItem", "dynamodb:Get*", "dynamodb:*Item", "dynamodb:?etItem",
        "dynamodb:*", "*", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQL*", "dynamodb:DescribeTable", "dynamodb:Batch*",
        "dynamodb:PutItem", "dynamodb:ListTables", "dynamodb:Describe*", "dynamodb:*Table*", "dynamodb:partiqlselect",
    ];

    private static readonly string[] ResourcePatterns =
    [
        "*", TableArn + "T", TableArn + "T/index/*", TableArn + "T/index/ByName", TableArn + "T*", TableArn + "?",
        TableArn + "*", "arn:aws:dynamodb:*:*:table/T", "arn:aws:dynamodb:us-east-1:000000000000:*", "arn:aws:dynamodb:us-east-1:*:table/U",
        TableArn + "${aws:PrincipalTag/team}", TableArn + "${aws:PrincipalTag/team}/index/*", TableArn + "t", "arn:aws:dynamodb:us-east-1:000000000000:table/T/*",
        "arn:aws:dynamodb:us-east-?:000000000000:table/T", "arn:aws:*:us-east-1:000000000000:table/T", TableArn + "${aws:PrincipalTag/missing, 'data'}",
    ];

    private static readonly Dictionary<KeyType, string[]> OperatorsByType = new()
    {
        [KeyType.String] = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"],
        [KeyType.Date] = ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"],
        [KeyType.Numeric] = ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"],
        [KeyType.Bool] = ["Bool"],
        [KeyType.Ip] = ["IpAddress", "NotIpAddress"],
        [KeyType.Arn] = ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
    };

    public static readonly Gen<GeneratedCondition> Condition =
        Gen.Select(Gen.Int[0, AllKeys.Length - 1], Gen.Int[0, 99], Gen.Int[0, 99], Gen.Int[0, 9], Gen.Int[0, 3], Gen.Int[0, 1000])
            .SelectMany((keyIndex, family, setRoll, ifExistsRoll, caseRoll, pick) =>
            {
                // Multi-valued keys are where the set operators matter: weight them up.
                var key = family < 35 ? DynamoDbKeys[keyIndex % 2] : AllKeys[keyIndex];
                var keyName = caseRoll == 0 ? key.Name.ToLowerInvariant() : key.Name;
                if (family % 7 == 0)
                {
                    return Gen.OneOf("true", "false").Array[1, 2].Select(values => new GeneratedCondition("Null", keyName, values.Distinct().ToArray()));
                }

                var operators = OperatorsByType[key.Type];
                var op = operators[pick % operators.Length];
                var set = key.MultiValued ? setRoll switch { < 50 => "ForAllValues:", < 95 => "ForAnyValue:", _ => "" } : setRoll switch { < 5 => "ForAllValues:", < 10 => "ForAnyValue:", _ => "" };
                var suffix = ifExistsRoll < 2 ? "IfExists" : "";
                return Gen.OneOf(key.PolicyValues).Array[1, 3].Select(values => new GeneratedCondition(set + op + suffix, keyName, values.Distinct().ToArray()));
            });

    public static readonly Gen<GeneratedStatement> Statement =
        Gen.Select(
            Gen.Int[0, 99],
            Gen.Int[0, 9],
            Gen.OneOf(ActionPatterns).Array[1, 3],
            Gen.Int[0, 9],
            Gen.OneOf(ResourcePatterns).Array[1, 3],
            Condition.Array[0, 3])
            .Select((effect, notAction, actions, notResource, resources, conditions) => new GeneratedStatement(
                effect < 30,
                notAction == 0,
                actions.Distinct().ToArray(),
                notResource == 0,
                resources.Distinct().ToArray(),
                conditions));

    public static readonly Gen<GeneratedPolicy> Policy =
        Gen.Select(Gen.Int[0, 19], Statement.Array[1, 3])
            .Select((version, statements) => new GeneratedPolicy(version == 0 ? "2008-10-17" : "2012-10-17", statements));

    /// <summary>The request: an action, a resource it may act on, and context keys — a DynamoDB key only when
    /// <paramref name="supportedKeys"/> (iam-data's list for the action) has it; global keys always may appear.</summary>
    public static Gen<(string Action, string Resource, GeneratedKey[] Context)> Request(Func<string, IReadOnlySet<string>> supportedKeys)
        => Gen.Select(Gen.Int[0, RequestActions.Length - 1], Gen.Int[0, 9], Gen.Int[0, 1 << 20])
            .SelectMany((actionIndex, resourceIndex, presence) =>
            {
                var (action, resources) = RequestActions[actionIndex];
                var resource = resources[resourceIndex % resources.Length];
                var supported = supportedKeys(action);
                var keys = AllKeys
                    .Where((k, i) => (presence & (1 << i)) != 0 && (!k.Name.StartsWith("dynamodb:", StringComparison.Ordinal) || supported.Contains(k.Name)))
                    .ToArray();
                var valueGens = keys.Select(k => k.MultiValued
                    ? Gen.OneOf(k.RequestValues).Array[1, 3].Select(v => new GeneratedKey(k.Name, v.Distinct().ToArray(), true))
                    : Gen.OneOf(k.RequestValues).Select(v => new GeneratedKey(k.Name, [v], false)));
                return valueGens
                    .Aggregate(Gen.Const(Array.Empty<GeneratedKey>()), (acc, g) => Gen.Select(acc, g, (a, b) => (GeneratedKey[])[.. a, b]))
                    .Select(context => (action, resource, context));
            });

    public static Gen<PolicyCase> Case(Func<string, IReadOnlySet<string>> supportedKeys)
        => Gen.Select(Policy, Gen.Int[0, 9], Policy, Request(supportedKeys))
            .Select((identity, hasSession, session, request) => new PolicyCase(identity, hasSession < 6 ? session : null, request.Action, request.Resource, request.Context));
}
