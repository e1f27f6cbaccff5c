using Amazon.Runtime;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;
using Gateway.Policies.Documents;
using Gateway.Testing;

namespace Gateway.Tests.Cli;

/// <summary>The gateway's signed IAM GetRole against LocalAws's GetRole (trust policy from the deployment template).</summary>
public sealed class IamClientLocalAwsTests
{
    private static IamClient Reader(LocalAwsHost aws, string accessKeyId, string secret) => new(new AwsOptions
    {
        Region = LocalAwsHost.Region,
        IamServiceUrl = aws.Url,
        AccessKeyId = accessKeyId,
        SecretAccessKey = secret,
    });

    [Fact]
    public async Task GetRole_TenantRole_ReturnsDecodedTrustAndErrorsAreAwsShaped()
    {
        await using var aws = await LocalAwsHost.StartAsync();
        var gateway = Reader(aws, LocalAwsHost.GatewayAccessKeyId, LocalAwsHost.GatewaySecretAccessKey);

        var json = await gateway.GetAssumeRolePolicyAsync("TenantDataAccess", CancellationToken.None);

        var trust = PolicyDocument.Parse(json);
        Assert.Contains(trust.Statements, s => s.Effect == PolicyEffect.Allow && s.Principal!["AWS"].Contains(LocalAwsHost.GatewayUserArn));

        // The gateway may read only the tenant role: another name is refused before existence is revealed.
        var denied = await Assert.ThrowsAsync<AmazonServiceException>(() => gateway.GetAssumeRolePolicyAsync("NoSuchRole", CancellationToken.None));
        Assert.Equal("AccessDenied", denied.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, denied.StatusCode);

        var admin = Reader(aws, LocalAwsHost.AdminAccessKeyId, LocalAwsHost.AdminSecretAccessKey);
        var missing = await Assert.ThrowsAsync<AmazonServiceException>(() => admin.GetAssumeRolePolicyAsync("NoSuchRole", CancellationToken.None));
        Assert.Equal("NoSuchEntity", missing.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);

        var forged = Reader(aws, LocalAwsHost.GatewayAccessKeyId, "wrong-secret");
        var rejected = await Assert.ThrowsAsync<AmazonServiceException>(() => forged.GetAssumeRolePolicyAsync("TenantDataAccess", CancellationToken.None));
        Assert.Equal("SignatureDoesNotMatch", rejected.ErrorCode);
    }
}
