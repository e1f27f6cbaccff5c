using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Testing;
using static LocalAws.Tests.LocalAwsFixture;

namespace LocalAws.Tests.Sts;

/// <summary>STS AssumeRole/GetCallerIdentity through the real STS SDK client: success shapes and typed errors.</summary>
[Collection(LocalAwsTestGroup.Name)]
public sealed class AssumeRoleTests(LocalAwsFixture fixture) : IDisposable
{
    private readonly AmazonSecurityTokenServiceClient _gateway = fixture.Host.CreateStsClient(fixture.Host.GatewayCredentials);

    public void Dispose() => _gateway.Dispose();

    private static AssumeRoleRequest Request(string? policy = null, string sessionName = "org-a") => new()
    {
        RoleArn = LocalAwsHost.TenantRoleArn,
        RoleSessionName = sessionName,
        Policy = policy ?? SessionPolicyJson(OrgA),
        DurationSeconds = 900,
    };

    private async Task<AmazonSecurityTokenServiceException> FailsAsync(AssumeRoleRequest request, string code)
    {
        var e = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => _gateway.AssumeRoleAsync(request));
        Assert.Equal(code, e.ErrorCode);
        return e;
    }

    [Fact]
    public async Task AssumeRole_Gateway_ReturnsAwsShapedCredentials()
    {
        var request = Request();
        request.SourceIdentity = "alice";
        request.Tags = [new Tag { Key = "organizationId", Value = "org-a" }];
        var started = DateTime.UtcNow;

        var response = await _gateway.AssumeRoleAsync(request);

        Assert.StartsWith("ASIA", response.Credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal(20, response.Credentials.AccessKeyId.Length);
        Assert.False(string.IsNullOrEmpty(response.Credentials.SecretAccessKey));
        Assert.False(string.IsNullOrEmpty(response.Credentials.SessionToken));
        var lifetime = response.Credentials.Expiration!.Value.ToUniversalTime() - started;
        Assert.InRange(lifetime.TotalSeconds, 890, 910);
        Assert.Equal("arn:aws:sts::000000000000:assumed-role/TenantDataAccess/org-a", response.AssumedRoleUser.Arn);
        Assert.Matches("^AROA[A-Z2-7]{17}:org-a$", response.AssumedRoleUser.AssumedRoleId);
#pragma warning disable CS0618 // Still what AssumeRole returns; the SDK marks it deprecated.
        Assert.InRange(response.PackedPolicySize!.Value, 1, 100);
#pragma warning restore CS0618
        Assert.Equal("alice", response.SourceIdentity);
        Assert.False(string.IsNullOrEmpty(response.ResponseMetadata.RequestId));
    }

    [Fact]
    public async Task GetCallerIdentity_GatewayAndSession_ReportTheirArns()
    {
        var user = await _gateway.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal(LocalAwsHost.GatewayUserArn, user.Arn);
        Assert.Equal(LocalAwsHost.AccountId, user.Account);

        using var session = fixture.Host.CreateStsClient(fixture.OrgASession);
        var assumed = await session.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal("arn:aws:sts::000000000000:assumed-role/TenantDataAccess/org-a-tests", assumed.Arn);
    }

    [Fact]
    public async Task AssumeRole_CallerNotTrustedByRole_AccessDenied()
    {
        // admin's identity policy allows everything, but the role's trust policy names only the gateway user.
        using var admin = fixture.Host.CreateStsClient(fixture.Host.AdminCredentials);
        var e = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => admin.AssumeRoleAsync(Request()));
        Assert.Equal("AccessDenied", e.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("User: arn:aws:iam::000000000000:user/admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/TenantDataAccess", e.Message);
    }

    [Fact]
    public async Task AssumeRole_UnknownRole_AccessDenied()
    {
        var request = Request();
        request.RoleArn = "arn:aws:iam::000000000000:role/NoSuchRole";
        await FailsAsync(request, "AccessDenied");
    }

    [Fact]
    public async Task AssumeRole_PolicyOf2048Characters_Succeeds()
    {
        var response = await _gateway.AssumeRoleAsync(Request(PaddedPolicy(2048)));
        Assert.StartsWith("ASIA", response.Credentials.AccessKeyId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_PolicyOf2049Characters_ValidationError()
    {
        var e = await FailsAsync(Request(PaddedPolicy(2049)), "ValidationError");
        Assert.Contains("'policy' failed to satisfy constraint: Member must have length less than or equal to 2048", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_InvalidPolicyJson_MalformedPolicyDocument()
    {
        var e = await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() => _gateway.AssumeRoleAsync(Request("{\"Version\":\"2012-10-17\",\"Statement\":[")));
        Assert.Equal("MalformedPolicyDocument", e.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_PolicyWithoutEffect_MalformedPolicyDocument()
        => await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() => _gateway.AssumeRoleAsync(Request("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"dynamodb:GetItem\",\"Resource\":\"*\"}]}")));

    [Theory]
    [InlineData("a")]
    [InlineData("has space")]
    [InlineData("slash/name")]
    [InlineData("unicodé")]
    public async Task AssumeRole_BadSessionName_ValidationError(string sessionName)
        => await FailsAsync(Request(sessionName: sessionName), "ValidationError");

    [Theory]
    [InlineData("ab")]
    [InlineData("org-a.user_1@x=y,z+w")]
    public async Task AssumeRole_ValidSessionName_Succeeds(string sessionName)
    {
        var response = await _gateway.AssumeRoleAsync(Request(sessionName: sessionName));
        Assert.EndsWith("/" + sessionName, response.AssumedRoleUser.Arn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_SessionName65Characters_ValidationError()
        => await FailsAsync(Request(sessionName: new string('a', 65)), "ValidationError");

    [Fact]
    public async Task AssumeRole_DurationAboveRoleMaximum_ValidationError()
    {
        var request = Request();
        request.DurationSeconds = 3601;
        var e = await FailsAsync(request, "ValidationError");
        Assert.Contains("MaxSessionDuration", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_ManyLargeRandomTags_PackedPolicyTooLarge()
    {
        var request = Request();
        request.Tags = Enumerable.Range(0, 50).Select(i => new Tag { Key = $"k{i}", Value = Convert.ToHexString(RandomNumberGenerator.GetBytes(120)) }).ToList();
        await Assert.ThrowsAsync<PackedPolicyTooLargeException>(() => _gateway.AssumeRoleAsync(request));
    }

    [Fact]
    public async Task AssumeRole_WrongSecret_SignatureDoesNotMatch()
    {
        using var client = fixture.Host.CreateStsClient(new BasicAWSCredentials(LocalAwsHost.GatewayAccessKeyId, "wrong"));
        var e = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => client.AssumeRoleAsync(Request()));
        Assert.Equal("SignatureDoesNotMatch", e.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_UnknownKey_InvalidClientTokenId()
    {
        using var client = fixture.Host.CreateStsClient(new BasicAWSCredentials("AKIANOBODY0000000000", "x"));
        var e = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => client.AssumeRoleAsync(Request()));
        Assert.Equal("InvalidClientTokenId", e.ErrorCode);
    }

    /// <summary>A valid policy padded with spaces to exactly <paramref name="length"/> characters.</summary>
    private static string PaddedPolicy(int length)
    {
        var policy = SessionPolicyJson(OrgA);
        Assert.True(policy.Length < length);
        return policy[..^1] + new string(' ', length - policy.Length) + "}";
    }
}
