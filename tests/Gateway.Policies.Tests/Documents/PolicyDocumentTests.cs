using Gateway.Policies.Documents;

namespace Gateway.Policies.Tests.Documents;

public class PolicyDocumentTests
{
    [Fact]
    public void Parse_SingleStringAndArrayForms_AreEquivalent()
    {
        var single = PolicyDocument.Parse("""
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*",
              "Condition":{"StringEquals":{"aws:username":"alice"}}}}
            """);
        var arrays = PolicyDocument.Parse("""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem"],"Resource":["*"],
              "Condition":{"StringEquals":{"aws:username":["alice"]}}}]}
            """);

        Assert.Equal(single, arrays);
        Assert.Equal(single.GetHashCode(), arrays.GetHashCode());
    }

    [Fact]
    public void Parse_ElementNamesAreCaseInsensitive()
    {
        var document = PolicyDocument.Parse("""{"version":"2012-10-17","STATEMENT":[{"sid":"A","effect":"Deny","notaction":"s3:*","NOTRESOURCE":"*"}]}""");

        var statement = Assert.Single(document.Statements);
        Assert.Equal("A", statement.Sid);
        Assert.Equal(PolicyEffect.Deny, statement.Effect);
        Assert.Equal(["s3:*"], statement.NotActions);
        Assert.Equal(["*"], statement.NotResources);
    }

    [Fact]
    public void Parse_BooleanAndNumberConditionValues_BecomeText()
    {
        var document = PolicyDocument.Parse("""
            {"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":false},"NumericLessThan":{"n":[10, 2.5]},"Bool":{"b":true}}}]}
            """);

        var conditions = document.Statements[0].Conditions;
        Assert.Equal(new PolicyCondition("Null", "k", ["false"]), conditions[0]);
        Assert.Equal(new PolicyCondition("NumericLessThan", "n", ["10", "2.5"]), conditions[1]);
        Assert.Equal(new PolicyCondition("Bool", "b", ["true"]), conditions[2]);
    }

    [Fact]
    public void Parse_Principals_StarAndMap()
    {
        var document = PolicyDocument.Parse("""
            {"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},
                          {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::000000000000:user/gateway","111111111111"],"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}
            """);

        Assert.Equal(["*"], document.Statements[0].Principal!["*"]);
        Assert.Equal(2, document.Statements[1].Principal!["AWS"].Count);
        Assert.Equal(["ecs-tasks.amazonaws.com"], document.Statements[1].Principal!["Service"]);
    }

    [Fact]
    public void ToJson_WritesCanonicalCompactForm()
    {
        var document = PolicyDocument.Parse("""
            {
              "Statement": [ { "Condition": { "StringEquals": { "a:b": ["x", "y"] }, "Null": { "c": false } },
                               "Resource": "arn:aws:s3:::b/*", "Action": ["s3:GetObject"], "Effect": "Allow", "Sid": "S1" } ],
              "Version": "2012-10-17"
            }
            """);

        Assert.Equal(
            """{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"a:b":["x","y"]},"Null":{"c":"false"}}}]}""",
            document.ToJson());
    }

    [Fact]
    public void ToJson_EscapesOnlyWhatJsonRequires()
    {
        var document = new PolicyDocument
        {
            Statements = [new PolicyStatement { Sid = "a+b<c>\"q\"\\", Effect = PolicyEffect.Allow, Actions = ["*"], Resources = ["*"] }],
        };

        var json = document.ToJson();

        Assert.Contains("""a+b<c>\"q\"\\""", json, StringComparison.Ordinal);
        Assert.Equal(document, PolicyDocument.Parse(json));
    }

    [Fact]
    public void ToJson_ThenParse_RoundTripsTrustPolicy()
    {
        var document = PolicyDocument.Parse("""
            {"Version":"2012-10-17","Id":"trust","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/gateway"},
              "Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"sts:ExternalId":"x"},"StringLike":{"aws:RequestTag/org":"*"}}}]}
            """);

        var again = PolicyDocument.Parse(document.ToJson());

        Assert.Equal(document, again);
        Assert.Equal(document.ToJson(), again.ToJson());
    }

    [Fact]
    public void Equals_ConditionsInAnotherOrder_AreEqual_ButDifferentValuesAreNot()
    {
        var a = PolicyDocument.Parse("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":"false"},"StringEquals":{"k":"v"}}}]}""");
        var b = PolicyDocument.Parse("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"v"},"Null":{"k":"false"}}}]}""");
        var c = PolicyDocument.Parse("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"w"},"Null":{"k":"false"}}}]}""");

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData("", "$")]
    [InlineData("{\"Statement\":[", "$")]
    [InlineData("[]", "$")]
    [InlineData("{}", "$.Statement")]
    [InlineData("{\"Statement\":\"x\"}", "$.Statement")]
    [InlineData("{\"Version\":\"2020-01-01\",\"Statement\":[]}", "$.Version")]
    [InlineData("{\"Statement\":[],\"Extra\":1}", "$.Extra")]
    [InlineData("{\"Statement\":[{\"Action\":\"*\",\"Resource\":\"*\"}]}", "$.Statement[0].Effect")]
    [InlineData("{\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}", "$.Statement[0].Effect")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":5,\"Resource\":\"*\"}]}", "$.Statement[0].Action")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}]}", "$.Statement[0].Action")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"a\",7],\"Resource\":\"*\"}]}", "$.Statement[0].Action[1]")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"\",\"Resource\":\"*\"}]}", "$.Statement[0].Action")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}", "$.Statement[0]")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"NotAction\":\"*\",\"Resource\":\"*\"}]}", "$.Statement[0]")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"NotResource\":\"*\"}]}", "$.Statement[0]")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}", "$")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}]}", "$.Statement[0].effect")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"NotPrincipal\":\"*\",\"Action\":\"*\"}]}", "$.Statement[0].NotPrincipal")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"me\",\"Action\":\"*\"}]}", "$.Statement[0].Principal")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":{\"x\":1}}}}]}", "$.Statement[0].Condition.StringEquals.k")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":[]}}}]}", "$.Statement[0].Condition.StringEquals.k")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":\"k\"}}]}", "$.Statement[0].Condition.StringEquals")]
    [InlineData("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":\"a\",\"K\":\"b\"}}}]}", "$.Statement[0].Condition.StringEquals.K")]
    [InlineData("{\"Statement\":[],}", "$")]
    [InlineData("{\"Statement\":[]} // comment", "$")]
    public void Parse_MalformedDocument_ThrowsWithPath(string json, string expectedPath)
    {
        var ex = Assert.Throws<PolicyDocumentException>(() => PolicyDocument.Parse(json));

        Assert.NotNull(ex.Path);
        Assert.StartsWith(expectedPath, ex.Path, StringComparison.Ordinal);
        Assert.Contains(expectedPath, ex.Message, StringComparison.Ordinal);
        Assert.False(PolicyDocument.TryParse(json, out _, out var error));
        Assert.Equal(ex.Message, error);
    }

    [Fact]
    public void Parse_ValidTwinOfMalformedRows_Succeeds()
    {
        Assert.True(PolicyDocument.TryParse("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""", out var document, out _));
        Assert.Single(document.Statements);
    }

    [Fact]
    public void Parse_DeeplyNestedJson_ThrowsTypedError()
    {
        var json = "{\"Statement\":" + new string('[', 100_000) + new string(']', 100_000) + "}";

        var ex = Assert.Throws<PolicyDocumentException>(() => PolicyDocument.Parse(json));

        Assert.Contains("Malformed policy JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OneMegabyteStrings_ParseOrFailTyped()
    {
        var big = new string('a', 1 << 20);
        var valid = $$$"""{"Statement":[{"Sid":"{{{big}}}","Effect":"Allow","Action":"*","Resource":"*"}]}""";
        var badName = $$$"""{"Statement":[{"{{{big}}}":"x","Effect":"Allow","Action":"*","Resource":"*"}]}""";

        Assert.Equal(big, PolicyDocument.Parse(valid).Statements[0].Sid);
        var ex = Assert.Throws<PolicyDocumentException>(() => PolicyDocument.Parse(badName));
        Assert.True(ex.Message.Length < 500, "the error message must not echo a 1 MB member name");
    }

    [Fact]
    public void Parse_Null_ThrowsTypedError()
    {
        Assert.Throws<PolicyDocumentException>(() => PolicyDocument.Parse(null!));
        Assert.False(PolicyDocument.TryParse(null!, out _, out _));
    }
}
