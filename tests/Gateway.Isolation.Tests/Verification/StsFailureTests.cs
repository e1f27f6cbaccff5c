using System.Threading.RateLimiting;
using Amazon.Runtime;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Tests.Credentials;
using Gateway.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Isolation.Tests.Verification;

/// <summary>
/// One classification of STS failures for verify and Gateway.Migration's isolation check (they had drifted: the
/// migration's list lacked <see cref="IssuerUnavailableException"/>, the issuer's "circuit open", so a validate run
/// while STS was failing threw instead of reporting a failed check).
/// </summary>
public sealed class StsFailureTests
{
    public static TheoryData<Exception> Failures => new()
    {
        new AmazonServiceException("denied") { ErrorCode = "AccessDenied" },
        new AmazonClientException("no answer"),
        new HttpRequestException("connection refused"),
        new TimeoutException(),
        new CredentialsRejectedException("expired"),
        new IssuerUnavailableException("circuit open", TimeSpan.FromSeconds(30), null),
        new Polly.CircuitBreaker.BrokenCircuitException(),
        new Polly.Timeout.TimeoutRejectedException(),
        new Polly.RateLimiting.RateLimiterRejectedException(),
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void IsFailure_StsOrIssuerFailure_True(Exception exception) => Assert.True(StsFailure.IsFailure(exception));

    [Fact]
    public void IsFailure_ProgrammingError_False()
    {
        Assert.False(StsFailure.IsFailure(new InvalidOperationException()));
        Assert.False(StsFailure.IsFailure(new ArgumentException("bad")));
    }

    [Fact]
    public async Task AssumeAsync_IssuerUnavailable_FailedCheckNamingItNoClient()
    {
        await using var provider = Provider(new FakeCredentialIssuer(TimeProvider.System) { FailWith = new IssuerUnavailableException("circuit open", TimeSpan.FromSeconds(30), null) });

        var session = await provider.GetRequiredService<VerificationRunner>().AssumeAsync("acme", "read-only", "zz-migration", CancellationToken.None);

        Assert.False(session.Check.Passed);
        Assert.Equal("read-only acme: AssumeRole with the session policy", session.Check.Name);
        Assert.StartsWith("error: IssuerUnavailableException calling STS", session.Check.Observed, StringComparison.Ordinal);
        Assert.Null(session.Client);
    }

    [Fact]
    public async Task AssumeAsync_CredentialsIssued_PassedCheckAndClient()
    {
        await using var provider = Provider(new FakeCredentialIssuer(TimeProvider.System));

        var session = await provider.GetRequiredService<VerificationRunner>().AssumeAsync("acme", "read-only", "zz-migration", CancellationToken.None);

        Assert.True(session.Check.Passed, session.Check.ToString());
        using var client = session.Client;
        Assert.NotNull(client);
        Assert.NotNull(session.SessionName);
    }

    private static ServiceProvider Provider(ICredentialIssuer issuer)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TenantIsolation:RoleArn"] = "arn:aws:iam::000000000000:role/TenantDataAccess",
            ["TenantIsolation:Tables:Applications:PartitionKey"] = "organizationId",
            ["TenantIsolation:PermissionSets:read-only:Tables:Applications"] = "Read",
            ["TenantIsolation:Roles:VIEWER"] = "read-only",
            ["TenantIsolation:Aws:StsServiceUrl"] = "http://127.0.0.1:9/",
            ["TenantIsolation:Aws:DynamoDbServiceUrl"] = "http://127.0.0.1:9/",
            ["TenantIsolation:Aws:AccessKeyId"] = "AKIAUNREACHABLE00001",
            ["TenantIsolation:Aws:SecretAccessKey"] = "unreachable-secret",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton(issuer);
        services.AddTenantIsolation(configuration).AddTenantVerification();
        return services.BuildServiceProvider();
    }
}
