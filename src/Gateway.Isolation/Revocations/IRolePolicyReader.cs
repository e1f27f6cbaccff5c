namespace Gateway.Isolation.Revocations;

/// <summary>Reads a role's inline policy with the gateway's own identity (IAM GetRolePolicy; a test double in unit tests).</summary>
internal interface IRolePolicyReader
{
    /// <summary>"IAM at URL": where the reads go (for log lines).</summary>
    string Endpoint { get; }

    /// <summary>The policy document (URL-decoded), or null when the role has no inline policy of that name.</summary>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">IAM refused or failed (ErrorCode <c>AccessDenied</c>: the identity may not read it).</exception>
    Task<string?> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken);
}
