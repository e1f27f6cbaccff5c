namespace Gateway.Isolation.Configuration;

/// <summary>How the STS session is limited to one organization.</summary>
public enum IsolationMode
{
    /// <summary>Inline session policy with <c>dynamodb:LeadingKeys</c> = the organization id.</summary>
    SessionPolicy = 0,

    /// <summary>Session tag <c>organizationId</c>; the role's own policy uses <c>${aws:PrincipalTag/organizationId}</c>.</summary>
    Abac = 1,
}
