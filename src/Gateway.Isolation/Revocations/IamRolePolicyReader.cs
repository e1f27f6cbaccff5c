using Gateway.Isolation.Aws;

namespace Gateway.Isolation.Revocations;

/// <summary><see cref="IRolePolicyReader"/> over <see cref="IamClient"/> (the gateway's identity, <c>TenantIsolation:Aws</c>).</summary>
internal sealed class IamRolePolicyReader(IamClient iam) : IRolePolicyReader
{
    public string Endpoint => iam.Endpoint;

    public Task<string?> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
        => iam.GetRolePolicyAsync(roleName, policyName, cancellationToken);
}
