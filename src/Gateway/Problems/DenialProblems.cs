using Gateway.Isolation.Evaluation;

namespace Gateway.Problems;

/// <summary>The one mapping from the isolation engine's HTTP-free <see cref="TenantDenialCode"/> to a <see cref="GatewayProblem"/>.</summary>
internal static class DenialProblems
{
    public static GatewayProblem From(TenantDenialCode denial) => denial switch
    {
        TenantDenialCode.None => GatewayProblem.None,
        TenantDenialCode.NotAMember or TenantDenialCode.RoleNotMapped => GatewayProblem.NotAMember,
        TenantDenialCode.OrganizationSuspended => GatewayProblem.OrganizationSuspended,
        TenantDenialCode.UnknownOrganization => GatewayProblem.UnknownOrganization,
        TenantDenialCode.MembershipUnavailable => GatewayProblem.MembershipUnavailable,
        TenantDenialCode.CredentialsUnavailable => GatewayProblem.CredentialsUnavailable,
        TenantDenialCode.OrganizationMigrating => GatewayProblem.OrganizationMigrating,
        _ => GatewayProblem.InternalError,
    };
}
