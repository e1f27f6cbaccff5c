using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using IamOracle.Tests.Oracle;

namespace IamOracle.Tests.Documented;

/// <summary>
/// Session revocation as AWS documents it, decided by our evaluator and by the simulator, each row with the answer the
/// documentation gives: the console's "Revoke active sessions" policy (<c>AWSRevokeOlderSessions</c>, IAM User Guide,
/// "Revoking IAM role temporary security credentials": Deny <c>*</c> when <c>DateLessThan aws:TokenIssueTime</c> the
/// revocation time), narrowed to one organization's sessions by <c>aws:userid</c> (global condition keys: for an
/// assumed role, <c>role-id:caller-specified-role-name</c>) or by <c>aws:PrincipalTag/organizationId</c> (session
/// tags), and the <c>aws:userid</c> role pattern from AWS's "restrict access to a specific IAM role" example
/// (<c>AROAEXAMPLEID:*</c>). The role's own policy allows the read, so every deny has its allow twin in the table.
/// </summary>
public sealed class RevocationCorpusTests
{
    private const string Account = "000000000000";
    private const string Table = "arn:aws:dynamodb:us-east-1:000000000000:table/Applications";
    private const string RoleId = "AROAEXAMPLEROLEID0001";
    private const string Cutoff = "2026-12-07T03:30:00Z";
    private const string Before = "2026-12-07T03:29:59Z";
    private const string At = "2026-12-07T03:30:00Z";
    private const string After = "2026-12-07T03:45:00Z";

    private const string RolePolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/Applications"}]}""";

    /// <summary>AWSRevokeOlderSessions as the console writes it (Action and Resource as arrays).</summary>
    private const string RevokeOlderSessions = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-07T03:30:00Z"}}}]}""";

    private const string RevokeOlderSessionsIfExists = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThanIfExists":{"aws:TokenIssueTime":"2026-12-07T03:30:00Z"}}}]}""";

    /// <summary>What `revoke --organization acme` is to add: older sessions named acme+… (and acme+…@user).</summary>
    private const string RevokeOrganization = """{"Version":"2012-10-17","Statement":[{"Sid":"RevokeAcme","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-07T03:30:00Z"},"StringLike":{"aws:userid":"*:acme+*"}}}]}""";

    /// <summary>What `revoke --organization acme --user alice` is to add.</summary>
    private const string RevokeUser = """{"Version":"2012-10-17","Statement":[{"Sid":"RevokeAcmeAlice","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-07T03:30:00Z"},"StringLike":{"aws:userid":"*:acme+*@alice"}}}]}""";

    /// <summary>ABAC mode: older sessions tagged organizationId=acme.</summary>
    private const string RevokeTag = """{"Version":"2012-10-17","Statement":[{"Sid":"RevokeAcmeTag","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-12-07T03:30:00Z"},"StringEquals":{"aws:PrincipalTag/organizationId":"acme"}}}]}""";

    /// <summary>Only sessions of one role (the AWS example's Deny with StringNotLike aws:userid "AROAEXAMPLEID:*").</summary>
    private const string OnlyTheRole = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:userid":["AROAEXAMPLEROLEID0001:*","AIDAEXAMPLEUSER0001"]}}}]}""";

    /// <summary>Allow-side twin: a grant only to sessions issued after a time (DateGreaterThan).</summary>
    private const string AllowNewerOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*","Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"2026-12-07T03:30:00Z"}}}]}""";

    /// <summary>The `revoke` verb's shape (Gateway.Policies TenantRevocations): tag, SourceIdentity, cut-off.</summary>
    private const string RevokeTagAndSourceIdentity = """{"Version":"2012-10-17","Statement":[{"Sid":"RevokeAcmeAlice","Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"StringEquals":{"aws:PrincipalTag/organizationId":["acme"],"aws:SourceIdentity":["alice","carol"]},"DateLessThan":{"aws:TokenIssueTime":["2026-12-07T03:30:00Z"]}}}]}""";

    private sealed record Row(string Name, string[] Policies, string? SessionName, string? IssueTime, string? Tag, string Expected, string? SourceIdentity = null);

    private static readonly Row[] Rows =
    [
        new("console revoke: session issued before", [RolePolicy, RevokeOlderSessions], "acme+read-write", Before, null, "ExplicitlyDenied"),
        new("console revoke: session issued at the cut-off", [RolePolicy, RevokeOlderSessions], "acme+read-write", At, null, "Allowed"),
        new("console revoke: session issued after", [RolePolicy, RevokeOlderSessions], "acme+read-write", After, null, "Allowed"),
        new("console revoke: long-term key (no aws:TokenIssueTime)", [RolePolicy, RevokeOlderSessions], null, null, null, "Allowed"),
        new("console revoke IfExists: long-term key", [RolePolicy, RevokeOlderSessionsIfExists], null, null, null, "ExplicitlyDenied"),
        new("console revoke IfExists: session issued after", [RolePolicy, RevokeOlderSessionsIfExists], "acme+read-write", After, null, "Allowed"),
        new("organization: its older session", [RolePolicy, RevokeOrganization], "acme+read-write", Before, null, "ExplicitlyDenied"),
        new("organization: its older user session", [RolePolicy, RevokeOrganization], "acme+read-write@alice", Before, null, "ExplicitlyDenied"),
        new("organization: its newer session", [RolePolicy, RevokeOrganization], "acme+read-write", After, null, "Allowed"),
        new("organization: another's older session", [RolePolicy, RevokeOrganization], "globex+read-write", Before, null, "Allowed"),
        new("organization: older session of an id with it as prefix", [RolePolicy, RevokeOrganization], "acme-eu+read-write", Before, null, "Allowed"),
        new("organization: older session of an id with it as suffix", [RolePolicy, RevokeOrganization], "xacme+read-write", Before, null, "Allowed"),
        new("organization: case differs", [RolePolicy, RevokeOrganization], "ACME+read-write", Before, null, "Allowed"),
        new("user: the user's older session", [RolePolicy, RevokeUser], "acme+read-write@alice", Before, null, "ExplicitlyDenied"),
        new("user: another user's older session", [RolePolicy, RevokeUser], "acme+read-write@bob", Before, null, "Allowed"),
        new("user: the organization's shared older session", [RolePolicy, RevokeUser], "acme+read-write", Before, null, "Allowed"),
        new("tag: older session tagged with it", [RolePolicy, RevokeTag], "abac-1", Before, "acme", "ExplicitlyDenied"),
        new("tag: newer session tagged with it", [RolePolicy, RevokeTag], "abac-1", After, "acme", "Allowed"),
        new("tag: older session tagged with another", [RolePolicy, RevokeTag], "abac-1", Before, "acme-eu", "Allowed"),
        new("tag: older untagged session", [RolePolicy, RevokeTag], "acme+read-write", Before, null, "Allowed"),
        new("tag + SourceIdentity: the user's older session", [RolePolicy, RevokeTagAndSourceIdentity], "acme+read-write", Before, "acme", "ExplicitlyDenied", "alice"),
        new("tag + SourceIdentity: the second listed user's older session", [RolePolicy, RevokeTagAndSourceIdentity], "acme+read-write", Before, "acme", "ExplicitlyDenied", "carol"),
        new("tag + SourceIdentity: another user's older session", [RolePolicy, RevokeTagAndSourceIdentity], "acme+read-write", Before, "acme", "Allowed", "bob"),
        new("tag + SourceIdentity: the user's newer session", [RolePolicy, RevokeTagAndSourceIdentity], "acme+read-write", After, "acme", "Allowed", "alice"),
        new("tag + SourceIdentity: the user's older session in another organization", [RolePolicy, RevokeTagAndSourceIdentity], "globex+read-write", Before, "globex", "Allowed", "alice"),
        new("tag + SourceIdentity: an older session without SourceIdentity", [RolePolicy, RevokeTagAndSourceIdentity], "acme+read-write", Before, "acme", "Allowed"),
        new("role pattern: a session of the role", [RolePolicy, OnlyTheRole], "acme+read-write", After, null, "Allowed"),
        new("role pattern: the listed user", [RolePolicy, OnlyTheRole], null, null, null, "Allowed"),
        new("role pattern: a session of another role", [RolePolicy, OnlyTheRole], "other-role:acme+read-write", After, null, "ExplicitlyDenied"),
        new("allow newer only: issued after", [AllowNewerOnly], "acme+read-write", After, null, "Allowed"),
        new("allow newer only: issued before", [AllowNewerOnly], "acme+read-write", Before, null, "ImplicitlyDenied"),
        new("allow newer only: issued at", [AllowNewerOnly], "acme+read-write", At, null, "ImplicitlyDenied"),
    ];

    private static (string PrincipalArn, Dictionary<string, IReadOnlyList<string>> Context) Caller(Row row)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (row.SessionName is null)
        {
            context["aws:userid"] = ["AIDAEXAMPLEUSER0001"];
            context["aws:username"] = ["operator"];
            return ($"arn:aws:iam::{Account}:user/operator", context);
        }

        // "other-role:NAME" stands for a session of another role (another role id).
        var (roleId, name) = row.SessionName.StartsWith("other-role:", StringComparison.Ordinal)
            ? ("AROAOTHERROLEID000002", row.SessionName["other-role:".Length..])
            : (RoleId, row.SessionName);
        context["aws:userid"] = [$"{roleId}:{name}"];
        if (row.IssueTime is not null) { context["aws:TokenIssueTime"] = [row.IssueTime]; }
        if (row.Tag is not null) { context["aws:PrincipalTag/organizationId"] = [row.Tag]; }
        if (row.SourceIdentity is not null) { context["aws:SourceIdentity"] = [row.SourceIdentity]; }
        return ($"arn:aws:sts::{Account}:assumed-role/TenantDataAccess/{name}", context);
    }

    [Fact]
    public void DocumentedRevocationPolicies_BothEvaluatorsGiveTheDocumentedAnswer()
    {
        var cases = new List<OracleCase>();
        var problems = new List<string>();
        foreach (var row in Rows)
        {
            var (principal, context) = Caller(row);
            var request = new AuthorizationRequest("dynamodb:GetItem", Table, new RequestContext(context)) { PrincipalArn = principal };
            var ours = PolicyEvaluator.EvaluateSession([.. row.Policies.Select(PolicyDocument.Parse)], null, request);
            var oursText = ours.Decision switch
            {
                Decision.Allow => "Allowed",
                Decision.ExplicitDeny => "ExplicitlyDenied",
                _ => "ImplicitlyDenied",
            };
            if (oursText != row.Expected)
            {
                problems.Add($"{row.Name}: ours {oursText} ({ours.Reason}), documented {row.Expected}");
            }

            cases.Add(new OracleCase(row.Policies, null, principal, "dynamodb:GetItem", Table, Account,
                [.. context.Select(k => new KeyValuePair<string, ContextValue>(k.Key, new ContextValue(k.Value, false)))]));
        }

        var theirs = IamSimulator.Simulate(cases);
        for (var i = 0; i < Rows.Length; i++)
        {
            if (theirs[i].Error is { } error)
            {
                problems.Add($"{Rows[i].Name}: simulator error {error}");
            }
            else if (theirs[i].Decision != Rows[i].Expected)
            {
                problems.Add($"{Rows[i].Name}: simulator {theirs[i].Decision}, documented {Rows[i].Expected}");
            }

            if (theirs[i].IgnoredKeys.Count > 0)
            {
                problems.Add($"{Rows[i].Name}: simulator ignored {string.Join(", ", theirs[i].IgnoredKeys)}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Corpus_HasADenyAndAnAllowTwinForEveryPolicy()
    {
        foreach (var group in Rows.Where(r => r.Policies.Length > 1).GroupBy(r => r.Policies[1], StringComparer.Ordinal))
        {
            Assert.Contains(group, r => r.Expected == "ExplicitlyDenied");
            Assert.Contains(group, r => r.Expected == "Allowed");
        }
    }
}
