using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Credentials;

/// <summary>Obtains a fresh credential set (STS AssumeRole in production).</summary>
internal interface ICredentialIssuer
{
    Task<ScopedCredentials> IssueAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken);

    /// <summary>Readiness probe: STS answers with the gateway's credentials.</summary>
    Task CheckReachableAsync(CancellationToken cancellationToken);
}
