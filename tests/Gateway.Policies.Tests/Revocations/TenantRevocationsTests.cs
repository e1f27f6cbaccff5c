using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using Gateway.Policies.Revocations;

namespace Gateway.Policies.Tests.Revocations;

/// <summary>
/// The <c>tenant-revocations</c> role policy: what it denies, evaluated by the shared IAM evaluator beside the tenant
/// role's own policy (each deny with its allow twin), and how entries are added, pruned and read back.
/// </summary>
public class TenantRevocationsTests
{
    private static readonly DateTimeOffset Cutoff = new(2026, 12, 7, 4, 0, 0, TimeSpan.Zero);

    private static OrganizationId Org(string id) => OrganizationId.Parse(id);

    private static Decision Evaluate(TenantRevocations revocations, string? organizationTag, DateTimeOffset issued, string? sourceIdentity = null)
    {
        var keys = new Dictionary<string, IReadOnlyList<string>>
        {
            ["aws:TokenIssueTime"] = [issued.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)],
            ["dynamodb:LeadingKeys"] = [organizationTag ?? "acme"],
        };
        if (organizationTag is not null)
        {
            keys["aws:PrincipalTag/organizationId"] = [organizationTag];
        }

        if (sourceIdentity is not null)
        {
            keys["aws:SourceIdentity"] = [sourceIdentity];
        }

        PolicyDocument[] policies = [TestData.RoleIdentityPolicy, .. revocations.ToDocument() is { } document ? [document] : Array.Empty<PolicyDocument>()];
        return PolicyEvaluator.Evaluate(policies, new AuthorizationRequest("dynamodb:GetItem", TestData.ApplicationsArn, new RequestContext(keys))).Decision;
    }

    [Fact]
    public void OrganizationRevoked_SessionsIssuedBeforeTheCutoffDenied_LaterOnesAndOtherOrganizationsAllowed()
    {
        var revocations = TenantRevocations.Empty.Add(new Revocation(Org("acme"), Cutoff));

        Assert.Equal(Decision.ExplicitDeny, Evaluate(revocations, "acme", Cutoff.AddSeconds(-1)));
        Assert.Equal(Decision.ExplicitDeny, Evaluate(revocations, "acme", Cutoff.AddHours(-11)));
        Assert.Equal(Decision.Allow, Evaluate(revocations, "acme", Cutoff)); // issued at the cut-off: a fresh session
        Assert.Equal(Decision.Allow, Evaluate(revocations, "acme", Cutoff.AddSeconds(1)));
        foreach (var neighbour in new[] { "acme-2", "acmecorp", "acme.x", "acme_1", "globex" })
        {
            Assert.Equal(Decision.Allow, Evaluate(revocations, neighbour, Cutoff.AddSeconds(-1)));
        }

        Assert.Equal(Decision.Allow, Evaluate(TenantRevocations.Empty, "acme", Cutoff.AddSeconds(-1)));
    }

    [Fact]
    public void UserRevoked_OnlyTheirSourceIdentitiesDenied_AnotherUserOfTheOrganizationAllowed()
    {
        var revocations = TenantRevocations.Empty.Add(new Revocation(Org("acme"), Cutoff, ["carol", "tenant-gateway"]));

        Assert.Equal(Decision.ExplicitDeny, Evaluate(revocations, "acme", Cutoff.AddMinutes(-5), "carol"));
        Assert.Equal(Decision.ExplicitDeny, Evaluate(revocations, "acme", Cutoff.AddMinutes(-5), "tenant-gateway"));
        Assert.Equal(Decision.Allow, Evaluate(revocations, "acme", Cutoff.AddMinutes(-5), "dave"));
        Assert.Equal(Decision.Allow, Evaluate(revocations, "acme", Cutoff.AddMinutes(5), "carol"));
        Assert.Equal(Decision.Allow, Evaluate(revocations, "globex", Cutoff.AddMinutes(-5), "carol"));
    }

    [Fact]
    public void SessionWithoutTheOrganizationTag_IsNotCovered()
    {
        // A Deny whose condition key is absent does not apply (documented: sessions of gateways older than the tag).
        var revocations = TenantRevocations.Empty.Add(new Revocation(Org("acme"), Cutoff));
        Assert.Equal(Decision.Allow, Evaluate(revocations, organizationTag: null, Cutoff.AddSeconds(-1)));
    }

    [Fact]
    public void Add_SameScopeKeepsTheLaterCutoff_OtherScopesAreKept()
    {
        var first = TenantRevocations.Empty.Add(new Revocation(Org("acme"), Cutoff));

        var later = first.Add(new Revocation(Org("acme"), Cutoff.AddMinutes(10)));
        var earlier = later.Add(new Revocation(Org("acme"), Cutoff.AddMinutes(-10)));
        var both = earlier.Add(new Revocation(Org("acme"), Cutoff, ["carol"])).Add(new Revocation(Org("globex"), Cutoff));

        Assert.Equal(Cutoff.AddMinutes(10), Assert.Single(later.Entries).IssuedBefore);
        Assert.Same(later, earlier);
        Assert.Equal(["acme", "acme [carol]", "globex"], both.Entries.Select(e => e.Scope));
        Assert.Equal(3, both.ToDocument()!.Statements.Select(s => s.Sid).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Prune_DropsOnlyEntriesEverySessionOfWhichHasExpired()
    {
        var revocations = TenantRevocations.Empty
            .Add(new Revocation(Org("acme"), Cutoff))
            .Add(new Revocation(Org("globex"), Cutoff.AddHours(2)));

        var kept = revocations.Prune(Cutoff.AddHours(1).AddSeconds(-1), TimeSpan.FromHours(1), out var none);
        var pruned = revocations.Prune(Cutoff.AddHours(1), TimeSpan.FromHours(1), out var gone);

        Assert.Same(revocations, kept);
        Assert.Empty(none);
        Assert.Equal(["acme"], gone.Select(e => e.Scope));
        Assert.Equal(["globex"], pruned.Entries.Select(e => e.Scope));
        Assert.Null(TenantRevocations.Empty.ToDocument());
    }

    [Fact]
    public void Cutoff_IsAWholeUtcSecond()
    {
        var revocation = new Revocation(Org("acme"), new DateTimeOffset(2026, 12, 7, 5, 0, 0, 999, TimeSpan.FromHours(1)));
        Assert.Equal(Cutoff, revocation.IssuedBefore);
        Assert.Contains("\"aws:TokenIssueTime\":\"2026-12-07T04:00:00Z\"", TenantRevocations.Empty.Add(revocation).ToDocument()!.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReadsBackWhatItWrote()
    {
        var revocations = TenantRevocations.Empty
            .Add(new Revocation(Org("acme"), Cutoff))
            .Add(new Revocation(Org("acme"), Cutoff.AddMinutes(1), ["carol", "tenant-gateway"]));
        var json = revocations.ToDocument()!.ToJson();

        var parsed = TenantRevocations.Parse(json);

        Assert.Equal(revocations.Entries, parsed.Entries);
        Assert.Equal(json, parsed.ToDocument()!.ToJson());
    }

    [Theory]
    [InlineData("Allow", "\"StringEquals\":{\"aws:PrincipalTag/organizationId\":\"acme\"},\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-12-07T04:00:00Z\"}", "not a Deny")]
    [InlineData("Deny", "\"StringLike\":{\"aws:PrincipalTag/organizationId\":\"acme*\"},\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-12-07T04:00:00Z\"}", "StringLike")]
    [InlineData("Deny", "\"StringEquals\":{\"aws:PrincipalTag/organizationId\":\"acme\"}", "cut-off")]
    [InlineData("Deny", "\"StringEquals\":{\"aws:PrincipalTag/organizationId\":\"acme\"},\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-12-07T04:00:00Z\"},\"Bool\":{\"aws:SecureTransport\":\"true\"}", "Bool")]
    [InlineData("Deny", "\"StringEquals\":{\"aws:PrincipalTag/organizationId\":[\"acme\",\"globex\"]},\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-12-07T04:00:00Z\"}", "StringEquals")]
    public void Parse_AStatementItDidNotWrite_IsAnErrorNamingIt(string effect, string condition, string reason)
    {
        var sid = new Revocation(Org("acme"), Cutoff).Sid;
        var json = $"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":\"{sid}\",\"Effect\":\"{effect}\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{{{condition}}}}}]}}";

        var error = Assert.Throws<PolicyDocumentException>(() => TenantRevocations.Parse(json));

        Assert.Contains(sid, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ASidThatDoesNotMatchItsScope_IsAnError()
    {
        var json = TenantRevocations.Empty.Add(new Revocation(Org("acme"), Cutoff)).ToDocument()!.ToJson()
            .Replace("\"acme\"", "\"globex\"", StringComparison.Ordinal);

        Assert.Contains("does not match its scope", Assert.Throws<PolicyDocumentException>(() => TenantRevocations.Parse(json)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CountedLength_IgnoresWhitespaceOutsideStrings()
    {
        Assert.Equal("{\"a\":\"x y\",\"b\":[1,2]}".Length, TenantRevocations.CountedLength("{ \"a\" : \"x y\",\n  \"b\": [1, 2] }"));
        Assert.Equal("{\"a\":\"q\\\" z\"}".Length, TenantRevocations.CountedLength("{ \"a\": \"q\\\" z\" }"));
    }
}
