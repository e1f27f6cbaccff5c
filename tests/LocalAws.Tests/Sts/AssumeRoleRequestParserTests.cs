using LocalAws.Sts;
using Microsoft.Extensions.Primitives;

namespace LocalAws.Tests.Sts;

public sealed class AssumeRoleRequestParserTests
{
    private const string RoleArn = "arn:aws:iam::000000000000:role/TenantDataAccess";

    private static Dictionary<string, StringValues> Form(params (string Name, string Value)[] extra)
    {
        var form = new Dictionary<string, StringValues>
        {
            ["Action"] = "AssumeRole",
            ["Version"] = "2011-06-15",
            ["RoleArn"] = RoleArn,
            ["RoleSessionName"] = "org-a",
        };
        foreach (var (name, value) in extra)
        {
            form[name] = value;
        }

        return form;
    }

    private static StsError Invalid(Dictionary<string, StringValues> form)
    {
        Assert.False(AssumeRoleRequestParser.TryParse(form, out var request, out var error));
        Assert.Null(request);
        return error;
    }

    [Fact]
    public void TryParse_MinimalForm_DefaultsToAnHourWithoutPolicyOrTags()
    {
        Assert.True(AssumeRoleRequestParser.TryParse(Form(), out var request, out var error));

        Assert.Null(error);
        Assert.Equal(RoleArn, request.RoleArn);
        Assert.Equal("org-a", request.RoleSessionName);
        Assert.Equal(3600, request.DurationSeconds);
        Assert.Null(request.Policy);
        Assert.Null(request.SourceIdentity);
        Assert.Null(request.ExternalId);
        Assert.Empty(request.Tags);
        Assert.Empty(request.TransitiveTagKeys);
    }

    [Fact]
    public void TryParse_EveryParameter_TypedRequestKeepsTagOrderAndIgnoresPolicyArns()
    {
        var form = Form(
            ("Policy", """{"Version":"2012-10-17","Statement":[]}"""),
            ("DurationSeconds", "900"),
            ("SourceIdentity", "alice"),
            ("ExternalId", "ext:1/2"),
            ("Tags.member.1.Key", "organizationId"),
            ("Tags.member.1.Value", "org-a"),
            ("Tags.member.2.Key", "team"),
            ("TransitiveTagKeys.member.1", "ORGANIZATIONID"),
            ("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"));

        Assert.True(AssumeRoleRequestParser.TryParse(form, out var request, out _));

        Assert.Equal("""{"Version":"2012-10-17","Statement":[]}""", request.Policy);
        Assert.Equal(900, request.DurationSeconds);
        Assert.Equal("alice", request.SourceIdentity);
        Assert.Equal("ext:1/2", request.ExternalId);
        Assert.Equal(new KeyValuePair<string, string>[] { new("organizationId", "org-a"), new("team", "") }, request.Tags);
        Assert.Equal(new[] { "ORGANIZATIONID" }, request.TransitiveTagKeys);
    }

    [Theory]
    [InlineData("RoleArn", null, "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must not be null")]
    [InlineData("RoleArn", "arn:aws:iam::0:r", "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048")]
    [InlineData("RoleSessionName", null, "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must not be null")]
    [InlineData("RoleSessionName", "a", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64")]
    [InlineData("RoleSessionName", "org a", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")]
    [InlineData("SourceIdentity", "alice/bob", "1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")]
    [InlineData("SourceIdentity", "aws:alice", "1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")]
    [InlineData("SourceIdentity", "AWS.alice", null)]
    [InlineData("ExternalId", "x", "1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*")]
    [InlineData("DurationSeconds", "899", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200")]
    [InlineData("DurationSeconds", "43201", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200")]
    [InlineData("DurationSeconds", "+900", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200")]
    [InlineData("Policy", "", "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1")]
    [InlineData("Policy", "{\"Statement\":\"\u0100\"}", "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")]
    public void TryParse_InvalidParameter_IsTheValidationErrorAwsSends(string name, string? value, string? expected)
    {
        var form = Form();
        if (value is null) { form.Remove(name); } else { form[name] = value; }

        var parsed = AssumeRoleRequestParser.TryParse(form, out _, out var error);

        if (expected is null)
        {
            Assert.True(parsed, error?.Message); // the allow twin: close to the rule, but valid
            return;
        }

        Assert.False(parsed);
        Assert.Equal(new StsError(400, "ValidationError", expected), error);
    }

    [Fact]
    public void TryParse_PolicyOverTheLimit_NamesTheLimit_AndAtTheLimitIsAccepted()
    {
        var atLimit = new string(' ', AssumeRoleRequestParser.MaxPolicyLength);

        Assert.True(AssumeRoleRequestParser.TryParse(Form(("Policy", atLimit)), out _, out _));
        Assert.Equal(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048",
            Invalid(Form(("Policy", atLimit + " "))).Message);
    }

    [Fact]
    public void TryParse_SeveralViolations_ReportsTheFirstInAwsOrder()
    {
        var form = Form(("DurationSeconds", "1"), ("RoleSessionName", "x"));
        form.Remove("RoleArn");

        Assert.Equal("1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must not be null", Invalid(form).Message);
    }

    [Fact]
    public void TryParse_TagKeysDifferingOnlyInCase_AreDuplicates()
    {
        var error = Invalid(Form(("Tags.member.1.Key", "Org"), ("Tags.member.1.Value", "a"), ("Tags.member.2.Key", "org"), ("Tags.member.2.Value", "b")));

        Assert.Equal(new StsError(400, "ValidationError", "Duplicate tag keys found. Please note that Tag keys are case insensitive."), error);
    }

    [Fact]
    public void TryParse_FiftyOneTags_IsRejected_AndFiftyAreAccepted()
    {
        var fifty = Enumerable.Range(1, 50).SelectMany(i => new[] { ($"Tags.member.{i}.Key", $"k{i}"), ($"Tags.member.{i}.Value", "v") }).ToArray();

        Assert.True(AssumeRoleRequestParser.TryParse(Form(fifty), out var request, out _));
        Assert.Equal(50, request.Tags.Count);
        Assert.Equal(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
            Invalid(Form([.. fifty, ("Tags.member.51.Key", "k51")])).Message);
    }

    [Theory]
    [InlineData("", "v")]
    [InlineData("k", null)] // 257-character value, built below
    public void TryParse_TagKeyOrValueOutOfRange_NamesTheTag(string key, string? value)
    {
        var error = Invalid(Form(("Tags.member.1.Key", key), ("Tags.member.1.Value", value ?? new string('v', 257))));

        Assert.Equal("1 validation error detected: Value at 'tags.1.member' failed to satisfy constraint: Tag keys must have 1-128 characters and values at most 256", error.Message);
    }

    [Fact]
    public void TryParse_TransitiveKeyNotAmongTheTags_IsRejected()
    {
        var error = Invalid(Form(("Tags.member.1.Key", "org"), ("Tags.member.1.Value", "a"), ("TransitiveTagKeys.member.1", "team")));

        Assert.Equal("The specified transitive tag key must be included in the requested tags.", error.Message);
        Assert.Equal(400, error.Status);
    }
}
