using Gateway.Testing;
using Amazon.SecurityToken;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Tests.Credentials;

public sealed class StsCredentialIssuerTests : IDisposable
{
    private readonly TestMeterFactory _meters = new();
    private readonly AmazonSecurityTokenServiceClient _sts = new(new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "unused"), new AmazonSecurityTokenServiceConfig { ServiceURL = "http://127.0.0.1:1" });

    private StsCredentialIssuer Issuer(TenantIsolationOptions options)
        => new(_sts, new StsResiliencePipeline(options.Sts, TimeProvider.System), new PermissionSetCatalog(options), TestOptions.Wrap(options), new IsolationMetrics(_meters), TimeProvider.System);

    private static PermissionSet ReadWrite(TenantIsolationOptions options)
        => new PermissionSetCatalog(options).TryGetByName("read-write", out var set) ? set : throw new InvalidOperationException();

    [Fact]
    public void BuildRequest_OrganizationScope_SessionPolicyForThatOrganizationOnly()
    {
        var options = TestOptions.Valid();

        var request = Issuer(options).BuildRequest(new CredentialKey(OrganizationId.Parse("acme"), "read-write", null, "0123456789abcdef"), ReadWrite(options));

        Assert.Equal(options.RoleArn, request.RoleArn);
        Assert.Equal(3600, request.DurationSeconds);
        Assert.True(SessionNames.IsValid(request.RoleSessionName));
        Assert.Contains("\"dynamodb:LeadingKeys\":\"acme\"", request.Policy, StringComparison.Ordinal);
        Assert.DoesNotContain("globex", request.Policy, StringComparison.Ordinal);
        Assert.Equal("tenant-gateway", request.SourceIdentity); // the trust requires one; a shared session names the gateway, not a user
        // The organization tag carries no authority in this mode (no policy reads it) but lets `revoke` deny exactly this
        // organization's sessions, whatever the length of its id (a long id is hashed out of the session name).
        var tag = Assert.Single(request.Tags);
        Assert.Equal((SessionPolicyBuilder.OrganizationTagKey, "acme"), (tag.Key, tag.Value));
    }

    [Fact]
    public void BuildRequest_ShardedOrganization_PolicyListsExactlyItsShardKeys()
    {
        var options = TestOptions.Valid();
        var acme = OrganizationId.Parse("acme");

        var request = Issuer(options).BuildRequest(new CredentialKey(acme, "read-write", null, "0123456789abcdef", ShardCount.Create(8)), ReadWrite(options));

        var policy = Gateway.Policies.Documents.PolicyDocument.Parse(request.Policy);
        var leading = policy.Statements.SelectMany(s => s.Conditions!).Where(c => c.Key == SessionPolicyBuilder.LeadingKeysConditionKey && c.Operator != "Null").ToList();
        Assert.NotEmpty(leading);
        Assert.All(leading, c => Assert.Equal(["acme", .. ShardCount.Create(8).PartitionKeys(acme)], c.Values));
        Assert.All(leading, c => Assert.Equal("ForAllValues:StringEquals", c.Operator));
    }

    [Fact]
    public void BuildRequest_UserScope_SetsSourceIdentityAndDistinctSessionName()
    {
        var options = TestOptions.Valid();
        options.CredentialScope = CredentialScope.User;
        var issuer = Issuer(options);

        var alice = issuer.BuildRequest(new CredentialKey(OrganizationId.Parse("acme"), "read-write", "alice", "0123456789abcdef"), ReadWrite(options));
        var erin = issuer.BuildRequest(new CredentialKey(OrganizationId.Parse("acme"), "read-write", "erin", "0123456789abcdef"), ReadWrite(options));

        Assert.Equal("alice", alice.SourceIdentity);
        Assert.Equal("erin", erin.SourceIdentity);
        Assert.NotEqual(alice.RoleSessionName, erin.RoleSessionName);
    }

    [Fact]
    public void BuildRequest_OrganizationScopeWithConfiguredSourceIdentity_SendsIt()
    {
        var options = TestOptions.Valid();
        options.SourceIdentity = "gw-prod.eu@team";

        var request = Issuer(options).BuildRequest(new CredentialKey(OrganizationId.Parse("acme"), "read-write", null, "0123456789abcdef"), ReadWrite(options));

        Assert.Equal("gw-prod.eu@team", request.SourceIdentity);
    }

    [Fact]
    public void BuildRequest_UserScopeWithConfiguredSourceIdentity_SendsTheUserNotTheConfiguredValue()
    {
        var options = TestOptions.Valid();
        options.CredentialScope = CredentialScope.User;
        options.SourceIdentity = "gw-prod";

        var request = Issuer(options).BuildRequest(new CredentialKey(OrganizationId.Parse("acme"), "read-write", "alice", "0123456789abcdef"), ReadWrite(options));

        Assert.Equal("alice", request.SourceIdentity);
    }

    [Fact]
    public void BuildRequest_AbacMode_SessionTagInsteadOfPolicy()
    {
        var options = TestOptions.Valid();
        options.Mode = IsolationMode.Abac;

        var request = Issuer(options).BuildRequest(new CredentialKey(OrganizationId.Parse("acme"), "read-write", null, "0123456789abcdef"), ReadWrite(options));

        Assert.Null(request.Policy);
        Assert.Contains(request.Tags, t => t.Key == SessionPolicyBuilder.OrganizationTagKey && t.Value == "acme");
    }

    public void Dispose()
    {
        _sts.Dispose();
        _meters.Dispose();
    }
}
