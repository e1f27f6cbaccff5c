using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;

namespace Gateway.Policies.Tests.Evaluation;

/// <summary>
/// The IAM traps the design depends on. Each deny has its allow twin, so an evaluator that denies (or allows)
/// everything fails here.
/// </summary>
public class IamTrapTests
{
    private const string Table = TestData.ApplicationsArn;

    private static PolicyDocument Policy(string condition) => PolicyDocument.Parse($$$"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow",
          "Action":["dynamodb:GetItem","dynamodb:BatchGetItem","dynamodb:Query","dynamodb:Scan"],
          "Resource":"{{{Table}}}","Condition":{ {{{condition}}} }}]}
        """);

    private static readonly PolicyDocument WithoutNullGuard =
        Policy("""  "ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["acme"]}  """);

    private static readonly PolicyDocument WithNullGuard =
        Policy("""  "ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["acme"]},"Null":{"dynamodb:LeadingKeys":"false"}  """);

    private static AuthorizationRequest Request(string action, params string[] leadingKeys)
        => new(action, Table, leadingKeys.Length == 0 ? RequestContext.Empty : TestData.Context(("dynamodb:LeadingKeys", leadingKeys)));

    [Fact]
    public void ForAllValues_WithoutNullGuard_AllowsScan()
    {
        var result = PolicyEvaluator.Evaluate(WithoutNullGuard, Request("dynamodb:Scan"));

        Assert.Equal(Decision.Allow, result.Decision);
    }

    [Fact]
    public void ForAllValues_WithoutNullGuard_AllowsEmptyKeySet()
    {
        var request = new AuthorizationRequest("dynamodb:Scan", Table, TestData.Context(("dynamodb:LeadingKeys", [])));

        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(WithoutNullGuard, request).Decision);
    }

    [Fact]
    public void ForAllValues_WithNullGuard_DeniesScan()
    {
        var result = PolicyEvaluator.Evaluate(WithNullGuard, Request("dynamodb:Scan"));

        Assert.Equal(Decision.ImplicitDeny, result.Decision);
    }

    [Fact]
    public void ForAllValues_WithNullGuard_AllowsOwnKey()
    {
        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(WithNullGuard, Request("dynamodb:GetItem", "acme")).Decision);
    }

    [Fact]
    public void ForAllValues_WithNullGuard_DeniesMixedBatch()
    {
        var result = PolicyEvaluator.Evaluate(WithNullGuard, Request("dynamodb:BatchGetItem", "acme", "globex"));

        Assert.Equal(Decision.ImplicitDeny, result.Decision);
    }

    [Fact]
    public void ForAnyValue_AllowsMixedBatchGetItem()
    {
        var policy = Policy("""  "ForAnyValue:StringEquals":{"dynamodb:LeadingKeys":["acme"]}  """);

        var mixed = PolicyEvaluator.Evaluate(policy, Request("dynamodb:BatchGetItem", "acme", "globex"));
        var otherOnly = PolicyEvaluator.Evaluate(policy, Request("dynamodb:BatchGetItem", "globex"));

        Assert.Equal(Decision.Allow, mixed.Decision);
        Assert.Equal(Decision.ImplicitDeny, otherOnly.Decision);
    }

    [Fact]
    public void ForAnyValue_DeniesAbsentKey()
    {
        var policy = Policy("""  "ForAnyValue:StringEquals":{"dynamodb:LeadingKeys":["acme"]}  """);

        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate(policy, Request("dynamodb:Scan")).Decision);
    }

    /// <summary>
    /// IfExists does not rescue ForAnyValue on an absent key: AWS evaluates IfExists per value inside the set operator,
    /// and "if there is no matching context key or the dataset is null, the condition returns false" (the AWS-accepted
    /// answer on repost.aws "ForAnyValue:StringEqualsIfExists behaving unexpectedly", where such an Allow did not
    /// grant sqs:ListQueues, whose context has no aws:TagKeys). Found by the differential test against iam-simulate
    /// (tests/IamOracle.Tests); the evaluator used to let this Allow grant Scan.
    /// </summary>
    [Fact]
    public void ForAnyValueIfExists_DeniesAbsentKey()
    {
        var policy = Policy("""  "ForAnyValue:StringEqualsIfExists":{"dynamodb:LeadingKeys":["acme"]}  """);

        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate(policy, Request("dynamodb:Scan")).Decision);
        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(policy, Request("dynamodb:GetItem", "acme")).Decision);
    }

    [Fact]
    public void StringLikePrefix_MatchesOtherTenantWithSamePrefix()
    {
        var policy = Policy("""  "ForAllValues:StringLike":{"dynamodb:LeadingKeys":["acme*"]},"Null":{"dynamodb:LeadingKeys":"false"}  """);

        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(policy, Request("dynamodb:GetItem", "acme-eu")).Decision);
        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate(policy, Request("dynamodb:GetItem", "globex")).Decision);
    }

    [Fact]
    public void StringEqualsExact_DoesNotMatchOtherTenantWithSamePrefix()
    {
        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate(WithNullGuard, Request("dynamodb:GetItem", "acme-eu")).Decision);
        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(WithNullGuard, Request("dynamodb:GetItem", "acme")).Decision);
    }

    [Fact]
    public void StringEqualsWithoutSetOperator_OnMultivaluedKey_MatchesIfAnyValueMatches()
    {
        // Why AWS requires a set operator for LeadingKeys: the single-valued form behaves like ForAnyValue.
        // AWS: "Multivalued context keys require a condition set operator" (IAM User Guide, Single-valued vs. multivalued
        // context keys) and documents no result without one; iam-simulate makes such a condition false. The differential
        // test (tests/IamOracle.Tests) excludes the shape by name, PlainOperatorOnMultiValuedKey.
        var policy = Policy("""  "StringEquals":{"dynamodb:LeadingKeys":["acme"]}  """);

        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(policy, Request("dynamodb:BatchGetItem", "acme", "globex")).Decision);
        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate(policy, Request("dynamodb:BatchGetItem", "globex")).Decision);
    }

    [Fact]
    public void TableResource_DoesNotCoverIndexes()
    {
        var index = new AuthorizationRequest("dynamodb:Query", Table + "/index/ByName", TestData.Context(("dynamodb:LeadingKeys", ["acme"])));

        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate(WithNullGuard, index).Decision);
        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(WithNullGuard, index with { Resource = Table }).Decision);
    }

    [Fact]
    public void TableWildcardResource_CoversIndexes()
    {
        var policy = PolicyDocument.Parse($$$"""{"Statement":{"Effect":"Allow","Action":"dynamodb:Query","Resource":"{{{Table}}}*"}}""");

        Assert.Equal(Decision.Allow, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("dynamodb:Query", Table + "/index/ByName", RequestContext.Empty)).Decision);
        Assert.Equal(Decision.ImplicitDeny, PolicyEvaluator.Evaluate(policy, new AuthorizationRequest("dynamodb:Query", "arn:aws:dynamodb:us-east-1:000000000000:table/Other", RequestContext.Empty)).Decision);
    }
}
