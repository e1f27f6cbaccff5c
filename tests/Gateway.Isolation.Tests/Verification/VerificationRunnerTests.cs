using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Gateway.Isolation.Configuration;
using Gateway.Verification;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Isolation.Tests.Verification;

/// <summary>
/// Only a genuine AccessDenied from AWS proves a denial: an error that is not AWS refusing the call (a missing table,
/// an endpoint that cannot be reached) must fail a Denied check, or a verify against the wrong endpoint would report
/// isolation as proven. Real AWS SDK clients, against LocalAws or a closed loopback port.
/// </summary>
public sealed class VerificationRunnerTests
{
    private static readonly TenantTableOptions Applications = new() { PartitionKey = "organizationId", SortKey = "applicationId" };

    private static VerificationProbe DeniedGetItem(string table) => new()
    {
        Name = $"GetItem {table} → zz-verify-b",
        Operation = ProbeOperation.GetItem,
        Table = table,
        Targets = ["zz-verify-b"],
        Expected = ProbeExpectation.Denied,
    };

    [Fact]
    public async Task ProbeAsync_DeniedProbe_AccessDeniedFromLocalAws_Passes()
    {
        // The allow twin: the gateway's own identity may not read tenant data; LocalAws refuses with AccessDenied.
        await using var aws = await LocalAwsHost.StartAsync();
        using var gateway = aws.CreateDynamoDbClient(aws.GatewayCredentials);

        var check = await VerificationRunner.ProbeAsync(gateway, Applications, DeniedGetItem("Applications"), "zz-verify-x", CancellationToken.None);

        Assert.True(check.Passed, check.ToString());
        Assert.Equal("AccessDeniedException", check.Observed);
    }

    [Fact]
    public async Task ProbeAsync_DeniedProbe_ResourceNotFoundFromLocalAws_Fails()
    {
        // The same probe where DynamoDB answers with an error that is not a denial: the table is missing. (LocalAws
        // denies requests on unknown tables, so this asks its dynalite directly, as DynamoDB itself would answer.)
        await using var aws = await LocalAwsHost.StartAsync();
        Assert.NotNull(aws.DynaliteUrl);
        using var admin = new AmazonDynamoDBClient(aws.AdminCredentials, new AmazonDynamoDBConfig { ServiceURL = aws.DynaliteUrl.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

        var check = await VerificationRunner.ProbeAsync(admin, Applications, DeniedGetItem("NoSuchTable"), "zz-verify-x", CancellationToken.None);

        Assert.Equal("ResourceNotFoundException", check.Observed);
        Assert.False(check.Passed, check.ToString());
    }

    [Fact]
    public async Task ProbeAsync_DeniedProbe_EndpointUnreachable_FailsNamingEndpointAndCause()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}/";
        using var client = new AmazonDynamoDBClient(new BasicAWSCredentials("AKIAUNREACHABLE00001", "unreachable-secret"), new AmazonDynamoDBConfig { ServiceURL = url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

        var check = await VerificationRunner.ProbeAsync(client, Applications, DeniedGetItem("Applications"), "zz-verify-x", CancellationToken.None);

        Assert.False(check.Passed, check.ToString());
        Assert.Equal($"error: HttpRequestException calling DynamoDB at {url} (connection refused)", check.Observed);
    }

    [Fact]
    public async Task RunAsync_AwsUnreachable_NoCheckThatNeedsAwsPasses()
    {
        // The whole runner (its real STS issuer, IAM reader and DynamoDB clients) pointed at a closed port: nothing
        // AWS did not answer may count as proven; only the offline policy-size checks pass.
        var url = $"http://127.0.0.1:{FreePort.Next()}/";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TenantIsolation:RoleArn"] = "arn:aws:iam::000000000000:role/TenantDataAccess",
            ["TenantIsolation:Tables:Applications:PartitionKey"] = "organizationId",
            ["TenantIsolation:Tables:Applications:SortKey"] = "applicationId",
            ["TenantIsolation:PermissionSets:read-write:Tables:Applications"] = "ReadWrite",
            ["TenantIsolation:PermissionSets:read-only:Tables:Applications"] = "Read",
            ["TenantIsolation:Roles:ADMINISTRATOR"] = "read-write",
            ["TenantIsolation:Roles:VIEWER"] = "read-only",
            ["TenantIsolation:Aws:StsServiceUrl"] = url,
            ["TenantIsolation:Aws:DynamoDbServiceUrl"] = url,
            ["TenantIsolation:Aws:IamServiceUrl"] = url,
            ["TenantIsolation:Aws:AccessKeyId"] = "AKIAUNREACHABLE00001",
            ["TenantIsolation:Aws:SecretAccessKey"] = "unreachable-secret",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddTenantIsolation(configuration).AddTenantVerification();
        await using var provider = services.BuildServiceProvider();
        var runner = provider.GetRequiredService<VerificationRunner>();
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<TenantIsolationOptions>>().Value;

        var report = await runner.RunAsync(VerificationPlan.Create(options), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));

        var passed = report.Checks.Where(c => c.Passed).Select(c => c.Name).ToList();
        Assert.All(passed, name => Assert.StartsWith("worst-case session policy ", name, StringComparison.Ordinal));
        Assert.Equal(2, passed.Count);
        Assert.Contains(report.Checks, c => c.Expected == "AccessDenied"); // there were Denied checks, and all failed
        Assert.DoesNotContain("unreachable-secret", string.Join("\n", report.Checks.Select(c => c.ToString())), StringComparison.Ordinal);
        var identity = report.Checks.Single(c => c.Name == "gateway identity (GetCallerIdentity)");
        Assert.Equal($"error: HttpRequestException calling STS at {url} (connection refused)", identity.Observed);
    }

    [Theory]
    [InlineData(ProbeExpectation.Denied, "AccessDenied", true)]
    [InlineData(ProbeExpectation.Denied, "AccessDeniedException", true)]
    [InlineData(ProbeExpectation.Denied, "ResourceNotFoundException", false)]
    [InlineData(ProbeExpectation.Denied, "ValidationException", false)]
    [InlineData(ProbeExpectation.Denied, "error: HttpRequestException calling DynamoDB at http://127.0.0.1:9/ (connection refused)", false)]
    [InlineData(ProbeExpectation.Denied, "no session", false)]
    [InlineData(ProbeExpectation.Denied, "allowed", false)]
    [InlineData(ProbeExpectation.Allowed, "allowed", true)]
    [InlineData(ProbeExpectation.Allowed, "AccessDeniedException", false)]
    [InlineData(ProbeExpectation.NotDenied, "UnknownOperationException", true)]
    [InlineData(ProbeExpectation.NotDenied, "AccessDeniedException", false)]
    [InlineData(ProbeExpectation.NotDenied, "no session", false)]
    [InlineData(ProbeExpectation.NotDenied, "error: TimeoutException calling DynamoDB at http://127.0.0.1:9/ (timed out)", false)]
    public void Passes_OnlyAGenuineAccessDeniedIsADenial(ProbeExpectation expected, string observed, bool passes)
        => Assert.Equal(passes, VerificationRunner.Passes(expected, observed));
}
