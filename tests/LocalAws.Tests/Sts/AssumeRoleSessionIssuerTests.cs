using LocalAws.Diagnostics;
using LocalAws.Identity;
using LocalAws.Sts;
using LocalAws.Tests.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalAws.Tests.Sts;

public sealed class AssumeRoleSessionIssuerTests
{
    private readonly IamDirectory _directory = TestIam.Directory();
    private readonly LocalClock _clock = new(TimeProvider.System);
    private readonly CredentialStore _credentials;
    private readonly AssumeRoleSessionIssuer _issuer;

    public AssumeRoleSessionIssuerTests()
    {
        _credentials = new CredentialStore(_directory, _clock);
        _issuer = new AssumeRoleSessionIssuer(_directory, _credentials, _clock, NullLogger<AssumeRoleSessionIssuer>.Instance);
    }

    private Principal Caller(string accessKey) => _directory.TryFindUser(accessKey, out var principal) ? principal : throw new InvalidOperationException(accessKey);

    private static AssumeRoleRequest Request(string roleArn = TestIam.RoleArn, int duration = 900) => new()
    {
        RoleArn = roleArn,
        RoleSessionName = "org-a",
        DurationSeconds = duration,
        Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}""",
    };

    [Fact]
    public void Issue_TrustedCaller_MintsASessionIntoTheCredentialStore()
    {
        var before = _clock.GetUtcNow();

        var outcome = _issuer.Issue(Caller(TestIam.GatewayKey), Request() with { SourceIdentity = "alice", Tags = [new("organizationId", "org-a")] });

        Assert.Null(outcome.Error);
        var result = outcome.Result!;
        Assert.Matches("^ASIA[A-Z2-7]{16}$", result.AccessKeyId);
        Assert.Equal($"arn:aws:sts::{TestIam.Account}:assumed-role/Tenant/org-a", result.Arn);
        Assert.Equal(IamDirectory.RoleId(TestIam.Account, "Tenant") + ":org-a", result.AssumedRoleId);
        Assert.InRange((result.Expiration - before).TotalSeconds, 899, 901);
        Assert.InRange(result.PackedPolicySize!.Value, 1, 100);
        Assert.Equal("alice", result.SourceIdentity);

        Assert.True(_credentials.TryFind(result.AccessKeyId, out var session));
        Assert.True(session.IsSession);
        Assert.Equal(result.SessionToken, session.SessionToken);
        Assert.NotNull(session.SessionPolicy);
        Assert.True(session.Context.TryGetValues("aws:PrincipalTag/organizationId", out var tag));
        Assert.Equal("org-a", Assert.Single(tag));
        Assert.True(session.Context.TryGetValues("aws:SourceIdentity", out var source));
        Assert.Equal("alice", Assert.Single(source));
    }

    [Fact]
    public void Issue_UnknownRole_IsAccessDeniedNamingTheRole()
    {
        const string unknown = "arn:aws:iam::111122223333:role/Unknown";

        var outcome = _issuer.Issue(Caller(TestIam.GatewayKey), Request(unknown));

        Assert.Equal(new StsError(403, "AccessDenied", $"User: {TestIam.GatewayArn} is not authorized to perform: sts:AssumeRole on resource: {unknown}"), outcome.Error);
        Assert.Null(outcome.Result);
    }

    [Fact]
    public void Issue_RoleWithNoTrustForTheCaller_IsAccessDeniedEvenThoughItsOwnPolicyAllows()
    {
        var stranger = Caller(TestIam.StrangerKey);

        var outcome = _issuer.Issue(stranger, Request());

        Assert.Equal(new StsError(403, "AccessDenied", $"User: {stranger.Arn} is not authorized to perform: sts:AssumeRole on resource: {TestIam.RoleArn}"), outcome.Error);
    }

    [Fact]
    public void Issue_DurationOverTheRoleMaximum_IsAValidationError()
    {
        var outcome = _issuer.Issue(Caller(TestIam.GatewayKey), Request(duration: 3601));

        Assert.Equal(new StsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), outcome.Error);
    }

    [Fact]
    public void Issue_MalformedPolicyFromATrustedCaller_IsMalformedPolicyDocument()
    {
        var outcome = _issuer.Issue(Caller(TestIam.GatewayKey), Request() with { Policy = """{"Statement":"x"}""" });

        Assert.Equal("MalformedPolicyDocument", outcome.Error?.Code);
        Assert.Equal(400, outcome.Error?.Status);
    }

    [Fact]
    public void Issue_MalformedPolicyFromAnUntrustedCaller_IsAccessDeniedFirst()
    {
        var outcome = _issuer.Issue(Caller(TestIam.StrangerKey), Request() with { Policy = """{"Statement":"x"}""" });

        Assert.Equal("AccessDenied", outcome.Error?.Code);
    }
}
