using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Gateway.Testing;

namespace LocalAws.Tests.Ssm;

/// <summary>
/// LocalAws's SSM Parameter Store calls over a real LocalAws process, with the AWS SDK: SigV4-verified, IAM-checked
/// (the gateway user may read <c>/tenant-gateway/*</c> only), seeded with <c>--ssm-parameter</c>.
/// </summary>
public sealed class SsmEndpointTests : IAsyncLifetime
{
    private const string KeyParameter = "/tenant-gateway/applications/current";
    private const string KeyValue = "c2VjcmV0LXZhbHVlLW9mLXRoZS1lbnZlbG9wZS1rZXk=";
    private const string OtherParameter = "/other-service/database-password";

    private LocalAwsHost _host = null!;

    public async Task InitializeAsync()
        => _host = await LocalAwsHost.StartAsync(new LocalAwsHostOptions
        {
            Seed = false,
            SsmParameters = new Dictionary<string, string> { [KeyParameter] = KeyValue, [OtherParameter] = "not-for-the-gateway" },
        });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task GetParameters_GatewayWithDecryption_ReturnsTheSecureStringAndListsMissingNames()
    {
        using var ssm = Client(_host.GatewayCredentials);

        var response = await ssm.GetParametersAsync(new GetParametersRequest { Names = [KeyParameter, "/tenant-gateway/missing"], WithDecryption = true });

        var parameter = Assert.Single(response.Parameters);
        Assert.Equal(KeyParameter, parameter.Name);
        Assert.Equal(ParameterType.SecureString, parameter.Type);
        Assert.Equal(KeyValue, parameter.Value);
        Assert.Equal("arn:aws:ssm:us-east-1:000000000000:parameter/tenant-gateway/applications/current", parameter.ARN);
        Assert.Equal(["/tenant-gateway/missing"], response.InvalidParameters);
    }

    [Fact]
    public async Task GetParameters_WithoutDecryption_DoesNotReturnTheValue()
    {
        using var ssm = Client(_host.GatewayCredentials);

        var response = await ssm.GetParametersAsync(new GetParametersRequest { Names = [KeyParameter] });

        Assert.NotEqual(KeyValue, Assert.Single(response.Parameters).Value);
    }

    [Fact]
    public async Task GetParameter_GatewayExistingAndMissing_ValueOrParameterNotFound()
    {
        using var ssm = Client(_host.GatewayCredentials);

        var found = await ssm.GetParameterAsync(new GetParameterRequest { Name = KeyParameter, WithDecryption = true });
        await Assert.ThrowsAsync<ParameterNotFoundException>(() => ssm.GetParameterAsync(new GetParameterRequest { Name = "/tenant-gateway/missing" }));

        Assert.Equal(KeyValue, found.Parameter.Value);
    }

    [Fact]
    public async Task GetParameters_GatewayOutsideItsPath_AccessDeniedNamingTheParameterArn()
    {
        // The allow twin is GetParameters_GatewayWithDecryption_…: the same principal, a parameter under /tenant-gateway/.
        using var ssm = Client(_host.GatewayCredentials);

        var denied = await Assert.ThrowsAnyAsync<AmazonSimpleSystemsManagementException>(
            () => ssm.GetParametersAsync(new GetParametersRequest { Names = [KeyParameter, OtherParameter], WithDecryption = true }));

        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Contains("ssm:GetParameters on resource: arn:aws:ssm:us-east-1:000000000000:parameter/other-service/database-password", denied.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-for-the-gateway", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetParameters_WrongSecret_RejectedBeforeAuthorization()
    {
        using var ssm = Client(new BasicAWSCredentials(LocalAwsHost.GatewayAccessKeyId, "not-the-secret"));

        var rejected = await Assert.ThrowsAnyAsync<AmazonServiceException>(
            () => ssm.GetParametersAsync(new GetParametersRequest { Names = [KeyParameter], WithDecryption = true }));

        Assert.Equal("InvalidSignatureException", rejected.ErrorCode);
    }

    private AmazonSimpleSystemsManagementClient Client(AWSCredentials credentials)
        => new(credentials, new AmazonSimpleSystemsManagementConfig
        {
            ServiceURL = _host.Url.ToString(),
            AuthenticationRegion = LocalAwsHost.Region,
            MaxErrorRetry = 0,
        });
}
