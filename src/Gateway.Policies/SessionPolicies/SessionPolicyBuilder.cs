namespace Gateway.Policies.SessionPolicies;

/// <summary>
/// Builds the minimal session policy for (organization, permission set): explicit item actions only, table and index ARNs,
/// <c>ForAllValues:StringEquals</c> on <c>dynamodb:LeadingKeys</c> plus the <c>Null</c> guard on every statement.
/// </summary>
public sealed class SessionPolicyBuilder
{
    public const int MaxPlaintextLength = 2048;
    public const string OrganizationTagKey = "organizationId";

    public SessionPolicyBuilder(AwsScope scope) => Scope = scope ?? throw new ArgumentNullException(nameof(scope));

    public AwsScope Scope { get; }

    /// <exception cref="SessionPolicyTooLargeException">The policy exceeds <see cref="MaxPlaintextLength"/>.</exception>
    public SessionPolicy Build(OrganizationId organizationId, PermissionSet permissionSet) => throw new NotImplementedException();

    /// <summary>Length of the policy for the longest possible organization id (64 characters).</summary>
    public int WorstCaseLength(PermissionSet permissionSet) => throw new NotImplementedException();

    /// <summary>The ABAC role policy for a permission set, and the session tags for an organization.</summary>
    public AbacPolicy BuildAbac(OrganizationId organizationId, PermissionSet permissionSet) => throw new NotImplementedException();
}
