using Gateway.Isolation.Credentials;
using Gateway.Isolation.Memberships;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The isolation engine's stores and STS stubbed for pipeline tests that run the real gateway in process (registered
/// before <c>AddTenantGateway</c>, whose TryAdd* keep them): every organization active and partitioned, every user an
/// ADMINISTRATOR member, credentials issued at once. Nothing here decides isolation; the tests using it pin the HTTP
/// pipeline around the engine.
/// </summary>
internal static class PipelineStubs
{
    internal sealed class ActiveOrganizations : IOrganizationStore
    {
        public Task<OrganizationRecord> ReadAsync(OrganizationId organizationId, CancellationToken cancellationToken)
            => Task.FromResult(new OrganizationRecord(OrganizationStatus.Active, OrganizationDataLocation.Partitioned));
    }

    internal sealed class MemberStore : IMembershipStore
    {
        public Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
            => Task.FromResult(new Membership(MembershipStatus.Member, "ADMINISTRATOR"));

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    internal sealed class StubIssuer(TimeProvider time) : ICredentialIssuer
    {
        public Task<ScopedCredentials> IssueAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
            => Task.FromResult(new ScopedCredentials("ASIAEXAMPLE", "secret", "token", time.GetUtcNow().AddHours(1), $"{key.OrganizationId}-session"));

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
