using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The built gateway in <c>ASPNETCORE_ENVIRONMENT=Production</c> (the root <c>appsettings.Production.json</c>) against
/// LocalAws: identity from the default AWS credential chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the local
/// gateway user), the envelope key read from an SSM SecureString parameter (SigV4 + IAM checked by LocalAws), and a
/// backend holding the same key. Twins: the parameter is missing, or outside what the gateway may read, and the
/// gateway exits 1 with one line naming it.
/// </summary>
public sealed class ProductionConfigurationTests
{
    /// <summary>The Current:Parameter of the root appsettings.Production.json.</summary>
    private const string Parameter = "/tenant-gateway/applications/current";
    private const string KeyId = "prod-e2e-1";

    [Fact]
    public async Task Production_EnvelopeKeyFromSsmParameter_ServesRequestToBackendWithTheSameKey()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        await using var topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            LocalAws = new LocalAwsHostOptions { SsmParameters = new Dictionary<string, string> { [Parameter] = key } },
            SampleApiEnvironment = new Dictionary<string, string?>
            {
                ["TenantContext__Keys__0__KeyId"] = KeyId,
                ["TenantContext__Keys__0__Key"] = key,
            },
            GatewayEnvironment = ProductionEnvironment(),
        });
        using var client = topology.CreateGatewayClient();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await topology.Aws.MintTokenAsync("alice"));
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        using var response = await client.SendAsync(request);

        // 200 means the backend opened the envelope with its key: the gateway sealed it with the key from SSM.
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{topology.Output}");
        Assert.Contains($"Read 1 envelope key parameter(s) from SSM Parameter Store: {Parameter}", topology.Gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key, topology.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Parameter, "/tenant-gateway/applications/other",
        $"Gateway cannot start: envelope key parameter '{Parameter}' (TenantIsolation:Envelopes:applications:Current:Parameter) does not exist in SSM Parameter Store (us-east-1)")]
    [InlineData("/other-service/envelope-key", "/other-service/envelope-key",
        "Gateway cannot start: envelope key parameter '/other-service/envelope-key' (TenantIsolation:Envelopes:applications:Current:Parameter) could not be read "
        + "from SSM Parameter Store (us-east-1): AccessDeniedException: User: arn:aws:iam::000000000000:user/gateway is not authorized to perform: "
        + "ssm:GetParameters on resource: arn:aws:ssm:us-east-1:000000000000:parameter/other-service/envelope-key")]
    public async Task Production_EnvelopeKeyParameterMissingOrDenied_ExitsOneWithOneLineNamingTheParameter(string parameter, string seeded, string expected)
    {
        // The same topology, but the gateway's parameter is not there (or outside what its IAM identity may read):
        // it refuses to start instead of serving without a key.
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        await using var topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            LocalAws = new LocalAwsHostOptions { Seed = false, SsmParameters = new Dictionary<string, string> { [seeded] = key } },
            StartGateway = false,
        });
        var env = new Dictionary<string, string?>(TopologyEnvironment.Gateway(topology.Aws.Url, topology.ApplicationsUrl).ToDictionary(p => p.Key, p => (string?)p.Value));
        foreach (var (name, value) in ProductionEnvironment())
        {
            env[name] = value;
        }

        env["TenantIsolation__Envelopes__applications__Current__Parameter"] = parameter;

        var run = await ProcessHost.RunDotnetAsync(
            [Built.Dll("src/Gateway", "Gateway"), "--urls", $"http://127.0.0.1:{FreePort.Next()}"], env, RepoPaths.Root, TimeSpan.FromSeconds(90));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.True(run.ErrorLines.Count == 1, $"stderr is not one line: {run}");
        Assert.StartsWith(expected, run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(key, run.StandardOutput + run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// Production with LocalAws standing in for AWS: service URLs and the authority from <see cref="TopologyEnvironment"/>,
    /// the gateway's identity from the default credential chain (environment keys; no TenantIsolation:Aws keys), an http
    /// authority only because it is loopback. The envelope key id is per deployment; the parameter name is the shipped one.
    /// </summary>
    private static Dictionary<string, string?> ProductionEnvironment() => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Authentication__AllowHttpAuthority"] = "true",
        ["TenantIsolation__RoleArn"] = "arn:aws:iam::000000000000:role/TenantDataAccess",
        ["TenantIsolation__Envelopes__applications__Current__KeyId"] = KeyId,
        ["AWS_ACCESS_KEY_ID"] = "AKIALOCALGATEWAY0001",
        ["AWS_SECRET_ACCESS_KEY"] = "local-gateway-secret",
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };
}
