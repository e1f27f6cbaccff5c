using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Tests.SessionPolicies;

public class SessionPolicyBuilderTests
{
    private static readonly SessionPolicyBuilder Builder = new(TestData.Scope);

    [Fact]
    public void Build_ReadWrite_ProducesExpectedPolicy()
    {
        var policy = Builder.Build(OrganizationId.Parse("acme"), TestData.ReadWrite);

        Assert.Equal(
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:BatchGetItem","dynamodb:Query","dynamodb:ConditionCheckItem","dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:DeleteItem","dynamodb:BatchWriteItem"],"Resource":["arn:aws:dynamodb:us-east-1:000000000000:table/Applications","arn:aws:dynamodb:us-east-1:000000000000:table/Applications/index/*"],"Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":"acme"},"Null":{"dynamodb:LeadingKeys":"false"}}}]}""",
            policy.Json);
        Assert.Equal(policy.Json.Length, policy.Length);
    }

    [Theory]
    [MemberData(nameof(PermissionSets))]
    public void Build_EveryStatement_IsGuardedAndExplicit(PermissionSet permissionSet)
    {
        var policy = Builder.Build(OrganizationId.Parse("org-a"), permissionSet);

        Assert.NotEmpty(policy.Document.Statements);
        foreach (var statement in policy.Document.Statements)
        {
            Assert.Equal(PolicyEffect.Allow, statement.Effect);
            Assert.Contains(new PolicyCondition("ForAllValues:StringEquals", "dynamodb:LeadingKeys", ["org-a"]), statement.Conditions);
            Assert.Contains(new PolicyCondition("Null", "dynamodb:LeadingKeys", ["false"]), statement.Conditions);
            Assert.DoesNotContain(statement.Conditions, c => c.Operator.StartsWith("ForAnyValue", StringComparison.Ordinal) || c.Operator.Contains("Like", StringComparison.Ordinal));
            Assert.NotNull(statement.Actions);
            Assert.All(statement.Actions!, action =>
            {
                Assert.DoesNotContain('*', action);
                Assert.DoesNotContain('?', action);
                Assert.DoesNotContain(action, new[] { "dynamodb:Scan", "dynamodb:DescribeTable", "dynamodb:ListTables" });
            });
            Assert.All(statement.Resources!, resource => Assert.StartsWith("arn:aws:dynamodb:us-east-1:000000000000:table/", resource, StringComparison.Ordinal));
        }
    }

    public static TheoryData<PermissionSet> PermissionSets() => new(TestData.ReadWrite, TestData.ReadOnly, TestData.ReadWritePartiQL, TwoTables);

    private static readonly PermissionSet TwoTables = new()
    {
        Name = "two-tables",
        Tables =
        [
            new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true },
            new TableAccess { TableName = "Invoices", PartitionKey = "orgId", Read = true, Write = true, IncludeIndexes = false },
            new TableAccess { TableName = "AuditLog", PartitionKey = "organizationId", Read = true },
        ],
    };

    [Fact]
    public void Build_TablesWithSameAccess_ShareOneStatement()
    {
        var policy = Builder.Build(OrganizationId.Parse("org-a"), TwoTables);

        Assert.Equal(2, policy.Document.Statements.Count);
        Assert.Equal(
            [TestData.ApplicationsArn, TestData.ApplicationsArn + "/index/*", "arn:aws:dynamodb:us-east-1:000000000000:table/Invoices"],
            policy.Document.Statements[0].Resources);
        Assert.Equal(
            ["arn:aws:dynamodb:us-east-1:000000000000:table/AuditLog", "arn:aws:dynamodb:us-east-1:000000000000:table/AuditLog/index/*"],
            policy.Document.Statements[1].Resources);
        Assert.Equal(SessionPolicyBuilder.ReadActions, policy.Document.Statements[1].Actions);
    }

    [Fact]
    public void Build_PartiQL_AddsOnlyMatchingPartiQLActions()
    {
        var readOnlyPartiQL = TestData.ReadOnly with { Tables = [TestData.ReadOnly.Tables[0] with { PartiQL = true }] };

        var readOnly = Builder.Build(OrganizationId.Parse("org-a"), readOnlyPartiQL).Document.Statements[0].Actions!;
        var readWrite = Builder.Build(OrganizationId.Parse("org-a"), TestData.ReadWritePartiQL).Document.Statements[0].Actions!;
        var plain = Builder.Build(OrganizationId.Parse("org-a"), TestData.ReadWrite).Document.Statements[0].Actions!;

        Assert.Contains("dynamodb:PartiQLSelect", readOnly);
        Assert.DoesNotContain("dynamodb:PartiQLInsert", readOnly);
        Assert.Contains("dynamodb:PartiQLDelete", readWrite);
        Assert.DoesNotContain(plain, a => a.Contains("PartiQL", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("read-write")]
    [InlineData("read-only")]
    public void WorstCaseLength_ShippedPermissionSets_FitInStsLimit(string name)
    {
        var permissionSet = name == "read-write" ? TestData.ReadWrite : TestData.ReadOnly;
        var longest = OrganizationId.Parse(new string('z', OrganizationId.MaxLength));

        var worst = Builder.WorstCaseLength(permissionSet);
        var unsharded = Builder.Build(longest, permissionSet);
        var sharded = Builder.Build(longest, permissionSet, ShardCount.Create(ShardCount.Max));

        Assert.Equal(Math.Max(unsharded.Length, sharded.Length), worst);
        Assert.Equal(sharded.Length, Builder.WorstCase(permissionSet).Length);
        Assert.Equal(LeadingKeysForm.ShardPattern, sharded.Keys);
        Assert.InRange(worst, 1, SessionPolicyBuilder.MaxPlaintextLength);
        Assert.Equal(name == "read-write" ? 564 : 475, unsharded.Length);
        Assert.Equal(name == "read-write" ? 633 : 544, worst);
    }

    [Fact]
    public void Build_Unsharded_IsTodaysPolicy()
    {
        var acme = OrganizationId.Parse("acme");

        var policy = Builder.Build(acme, TestData.ReadWrite, ShardCount.One);

        Assert.Equal(Builder.Build(acme, TestData.ReadWrite).Json, policy.Json);
        Assert.Equal(LeadingKeysForm.Unsharded, policy.Keys);
        Assert.Contains("\"ForAllValues:StringEquals\":{\"dynamodb:LeadingKeys\":\"acme\"}", policy.Json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(64)]
    public void Build_Sharded_ListsExactlyTheOrganizationsKeys_WithTheNullGuard(int count)
    {
        var acme = OrganizationId.Parse("acme");
        var shards = ShardCount.Create(count);

        var policy = Builder.Build(acme, TestData.ReadWrite, shards);

        Assert.Equal(LeadingKeysForm.ExactList, policy.Keys);
        var conditions = policy.Document.Statements.Single().Conditions!;
        var leading = Assert.Single(conditions, c => c.Operator == "ForAllValues:StringEquals");
        Assert.Equal(["acme", .. shards.PartitionKeys(acme)], leading.Values);
        Assert.Equal(count + 1, leading.Values.Count);
        Assert.Contains(conditions, c => c.Operator == "Null" && c.Key == "dynamodb:LeadingKeys" && c.Values.SequenceEqual(["false"]));
        Assert.DoesNotContain(conditions, c => c.Operator.Contains("Like", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_ExactListTooLong_FallsBackToTheShardPattern_AndNeverAboveTheLimit()
    {
        var longest = OrganizationId.Parse(new string('z', OrganizationId.MaxLength));

        var sixteen = Builder.Build(longest, TestData.ReadWrite, ShardCount.Create(16));
        var sixtyFour = Builder.Build(longest, TestData.ReadWrite, ShardCount.Create(64));

        Assert.Equal(LeadingKeysForm.ExactList, sixteen.Keys);
        Assert.Equal(LeadingKeysForm.ShardPattern, sixtyFour.Keys);
        Assert.InRange(sixteen.Length, 1, SessionPolicyBuilder.MaxPlaintextLength);
        var leading = Assert.Single(sixtyFour.Document.Statements.Single().Conditions!, c => c.Key == "dynamodb:LeadingKeys" && c.Operator != "Null");
        Assert.Equal("ForAllValues:StringLike", leading.Operator);
        Assert.Equal([longest.Value, longest.Value + "#*"], leading.Values);
    }

    /// <summary>acme with 8 shards: each of its keys (and {org}) is allowed; the look-alikes are denied — acme#8 (out of
    /// range), acme#1x, acme#01, acme- 2, acme.x, acme#, acme##1, ACME#1 and another organization's shard keys.</summary>
    [Theory]
    [InlineData("acme", true)]
    [InlineData("acme#0", true)]
    [InlineData("acme#7", true)]
    [InlineData("acme#8", false)]
    [InlineData("acme#64", false)]
    [InlineData("acme#1x", false)]
    [InlineData("acme#01", false)]
    [InlineData("acme#", false)]
    [InlineData("acme##1", false)]
    [InlineData("ACME#1", false)]
    [InlineData("acme-2", false)]
    [InlineData("acme.x", false)]
    [InlineData("acme-2#1", false)]
    [InlineData("globex#1", false)]
    [InlineData("acm", false)]
    public void Build_EightShards_AllowsItsKeysOnly(string key, bool allowed)
    {
        var policy = Builder.Build(OrganizationId.Parse("acme"), TestData.ReadWrite, ShardCount.Create(8)).Document;
        var body = """{"TableName":"Applications","Key":{"organizationId":{"S":""" + System.Text.Json.JsonSerializer.Serialize(key) + """},"applicationId":{"S":"app-1"}}}""";

        Assert.Equal(allowed, TestData.Authorize(policy, "GetItem", body).Allowed);
        Assert.Equal(allowed, TestData.Authorize(policy, "PutItem", body.Replace("\"Key\"", "\"Item\"", StringComparison.Ordinal)).Allowed);
    }

    /// <summary>The pattern form (64-character id, 64 shards) denies every other organization's keys, including
    /// look-alikes that extend the id; it admits the organization's own out-of-range keys (documented: no other
    /// organization can own them).</summary>
    [Theory]
    [InlineData("", true)]
    [InlineData("#0", true)]
    [InlineData("#63", true)]
    [InlineData("#64", true)]
    [InlineData("-2", false)]
    [InlineData(".x", false)]
    [InlineData("x#0", false)]
    [InlineData("-2#0", false)]
    public void Build_ShardPattern_DeniesOtherOrganizations(string suffix, bool allowed)
    {
        var id = new string('z', 63) + "a";
        var shorter = id[..^1];
        var policy = Builder.Build(OrganizationId.Parse(id), TestData.ReadWrite, ShardCount.Create(64));
        Assert.Equal(LeadingKeysForm.ShardPattern, policy.Keys);
        var key = suffix.StartsWith('x') || suffix.StartsWith('-') || suffix.StartsWith('.') ? shorter + suffix : id + suffix;
        var body = """{"TableName":"Applications","Key":{"organizationId":{"S":""" + System.Text.Json.JsonSerializer.Serialize(key) + """},"applicationId":{"S":"app-1"}}}""";

        Assert.Equal(allowed, TestData.Authorize(policy.Document, "GetItem", body).Allowed);
        Assert.False(TestData.Authorize(policy.Document, "GetItem", body.Replace(key, shorter + "#0", StringComparison.Ordinal)).Allowed);
    }

    [Fact]
    public void Build_AboveLimit_ThrowsTypedError()
    {
        var tables = Enumerable.Range(0, 12)
            .Select(i => new TableAccess { TableName = $"Table{i:00}-{new string('x', 120)}", PartitionKey = "organizationId", Read = true })
            .ToArray();
        var large = new PermissionSet { Name = "huge", Tables = tables };
        var fits = large with { Tables = tables[..2] };

        var ex = Assert.Throws<SessionPolicyTooLargeException>(() => Builder.Build(OrganizationId.Parse("org-a"), large));

        Assert.Equal("huge", ex.PermissionSet);
        Assert.Equal(SessionPolicyBuilder.MaxPlaintextLength, ex.Limit);
        Assert.True(ex.Length > ex.Limit);
        Assert.True(Builder.WorstCaseLength(large) > ex.Length);
        Assert.Throws<SessionPolicyTooLargeException>(() => Builder.Build(OrganizationId.Parse("org-a"), large, ShardCount.Create(8)));
        Assert.True(Builder.Build(OrganizationId.Parse("org-a"), fits).Length <= SessionPolicyBuilder.MaxPlaintextLength);
    }

    [Fact]
    public void IndexWildcard_OnTableWithNonOrgIndex_IsTheDocumentedTrap_ExplicitIndexesCloseIt()
    {
        // ByCreator is partitioned by createdBy: with table/T/index/* a Query for createdBy = "org-a" passes IAM.
        const string body = """{"TableName":"Applications","IndexName":"ByCreator","KeyConditionExpression":"createdBy = :c","ExpressionAttributeValues":{":c":{"S":"org-a"}}}""";
        const string byName = """{"TableName":"Applications","IndexName":"ByName","KeyConditionExpression":"organizationId = :o","ExpressionAttributeValues":{":o":{"S":"org-a"}}}""";
        var explicitIndexes = TestData.ReadOnly with { Tables = [TestData.ReadOnly.Tables[0] with { Indexes = ["ByName"] }] };

        var wildcard = TestData.PolicyFor("org-a", TestData.ReadOnly).Document;
        var listed = TestData.PolicyFor("org-a", explicitIndexes);

        Assert.True(TestData.Authorize(wildcard, "Query", body).Allowed);
        Assert.False(TestData.Authorize(listed.Document, "Query", body).Allowed);
        Assert.True(TestData.Authorize(listed.Document, "Query", byName).Allowed);
        Assert.Contains(TestData.ApplicationsArn + "/index/ByName", listed.Document.Statements[0].Resources!);
        Assert.DoesNotContain(TestData.ApplicationsArn + "/index/*", listed.Document.Statements[0].Resources!);
    }

    [Fact]
    public void Validate_InvalidIndexName_IsReported()
    {
        var bad = TestData.ReadOnly with { Tables = [TestData.ReadOnly.Tables[0] with { Indexes = ["By/Name"] }] };

        Assert.Contains(SessionPolicyBuilder.Validate(bad), e => e.Contains("index names", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_UninitializedOrganization_Throws()
    {
        Assert.Throws<ArgumentException>(() => Builder.Build(default, TestData.ReadWrite));
        Assert.Throws<ArgumentException>(() => Builder.BuildAbac(default, TestData.ReadWrite));
    }

    [Fact]
    public void Validate_ReportsEveryProblemAtOnce()
    {
        var bad = new PermissionSet
        {
            Name = "bad",
            Tables =
            [
                new TableAccess { TableName = "Applications/index/*", PartitionKey = "organizationId", Read = true },
                new TableAccess { TableName = "Applications", PartitionKey = "", Read = true },
                new TableAccess { TableName = "Applications", PartitionKey = "organizationId" },
            ],
        };

        var errors = SessionPolicyBuilder.Validate(bad);

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.Contains("[0]", StringComparison.Ordinal) && e.Contains("table name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("[1]", StringComparison.Ordinal) && e.Contains("partition key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("[2]", StringComparison.Ordinal) && e.Contains("twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("[2]", StringComparison.Ordinal) && e.Contains("neither", StringComparison.Ordinal));
        Assert.Empty(SessionPolicyBuilder.Validate(TestData.ReadWrite));
        Assert.Throws<ArgumentException>(() => Builder.Build(OrganizationId.Parse("org-a"), bad));
    }

    [Fact]
    public void Build_InjectionAttempt_CannotReachThePolicy()
    {
        const string attack = "org-1\"],\"dynamodb:LeadingKeys\":[\"*";

        Assert.False(OrganizationId.TryParse(attack, out _));
        Assert.Throws<FormatException>(() => OrganizationId.Parse(attack));

        // The only way in is a validated OrganizationId; the value written is exactly that id.
        var policy = Builder.Build(OrganizationId.Parse("org-1"), TestData.ReadWrite);
        var reparsed = PolicyDocument.Parse(policy.Json);
        var leadingKeys = reparsed.Statements.SelectMany(s => s.Conditions).Where(c => c.Key == "dynamodb:LeadingKeys" && c.Operator != "Null");
        Assert.Equal(["org-1"], Assert.Single(leadingKeys).Values);
    }

    [Fact]
    public void SessionPolicySources_DoNotConcatenateJson()
    {
        var folder = Path.Combine(RepoRoot(), "src", "Gateway.Policies", "SessionPolicies");
        string[] forbidden = ["\\\"", "\"{\"", "\"[\"", "\":\"", "\"}\"", "\"]\"", "JsonSerializer"];

        foreach (var file in Directory.EnumerateFiles(folder, "*.cs"))
        {
            var source = File.ReadAllText(file);
            foreach (var fragment in forbidden)
            {
                Assert.False(source.Contains(fragment, StringComparison.Ordinal), $"{Path.GetFileName(file)} contains {fragment}");
            }
        }
    }

    [Fact]
    public void BuildAbac_RolePolicyUsesPrincipalTag_AndSessionTagsCarryTheOrganization()
    {
        var abac = Builder.BuildAbac(OrganizationId.Parse("acme"), TestData.ReadWrite);

        Assert.Equal(new Dictionary<string, string> { ["organizationId"] = "acme" }, abac.SessionTags);
        Assert.Contains("${aws:PrincipalTag/organizationId}", abac.RolePolicy.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("acme", abac.RolePolicy.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme", "acme", true)]
    [InlineData("acme", "acme#0", true)]
    [InlineData("acme", "acme#63", true)]
    [InlineData("acme", "globex", false)]
    [InlineData("acme", "acme-2", false)]
    [InlineData("acme", "acme.x", false)]
    [InlineData("acme", "acmex", false)]
    [InlineData("acme", "acmex#0", false)]
    [InlineData("acme", "acme-2#1", false)]
    [InlineData("acme", "ACME#1", false)]
    [InlineData("acme", "acm#1", false)]
    [InlineData("acme", "globex#0", false)]
    [InlineData("acme-2", "acme-2#1", true)]
    [InlineData("acme-2", "acme#1", false)]
    [InlineData(null, "acme", false)]
    [InlineData(null, "acme#0", false)]
    [InlineData(null, "#0", false)]
    public void BuildAbac_RolePolicy_EvaluatesAgainstTheSessionTag(string? tag, string leadingKey, bool allowed)
    {
        var abac = Builder.BuildAbac(OrganizationId.Parse("acme"), TestData.ReadWrite);
        var keys = new Dictionary<string, IReadOnlyList<string>> { ["dynamodb:LeadingKeys"] = [leadingKey] };
        if (tag is not null)
        {
            keys["aws:PrincipalTag/organizationId"] = [tag];
        }

        var result = PolicyEvaluator.Evaluate(abac.RolePolicy, new AuthorizationRequest("dynamodb:GetItem", TestData.ApplicationsArn, new RequestContext(keys)));

        Assert.Equal(allowed, result.IsAllowed);
    }

    [Fact]
    public void BuildAbac_RolePolicy_ComparesLeadingKeysWithTheTagAndItsShards_GuardsBoth()
    {
        var statement = Builder.BuildAbac(OrganizationId.Parse("acme"), TestData.ReadWrite).RolePolicy.Statements.Single();

        Assert.Contains(new PolicyCondition("ForAllValues:StringLike", "dynamodb:LeadingKeys", ["${aws:PrincipalTag/organizationId}", "${aws:PrincipalTag/organizationId}#*"]), statement.Conditions);
        Assert.Contains(new PolicyCondition("Null", "dynamodb:LeadingKeys", ["false"]), statement.Conditions);
        Assert.Contains(new PolicyCondition("Null", "aws:PrincipalTag/organizationId", ["false"]), statement.Conditions);
        Assert.Equal(3, statement.Conditions.Count);
    }

    /// <summary>A tag the role policy cannot resolve (another tag key only) leaves nothing allowed, not everything.</summary>
    [Theory]
    [InlineData("acme")]
    [InlineData("acme#0")]
    public void BuildAbac_RolePolicy_OtherTagOnly_Denied(string leadingKey)
    {
        var abac = Builder.BuildAbac(OrganizationId.Parse("acme"), TestData.ReadWrite);
        var keys = new Dictionary<string, IReadOnlyList<string>> { ["dynamodb:LeadingKeys"] = [leadingKey], ["aws:PrincipalTag/team"] = ["acme"] };

        var denied = PolicyEvaluator.Evaluate(abac.RolePolicy, new AuthorizationRequest("dynamodb:GetItem", TestData.ApplicationsArn, new RequestContext(keys)));
        keys["aws:PrincipalTag/organizationId"] = [leadingKey.Split('#')[0]];
        var twin = PolicyEvaluator.Evaluate(abac.RolePolicy, new AuthorizationRequest("dynamodb:GetItem", TestData.ApplicationsArn, new RequestContext(keys)));

        Assert.False(denied.IsAllowed);
        Assert.True(twin.IsAllowed);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Gateway.sln not found above the test output directory.");
    }
}
