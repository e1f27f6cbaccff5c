namespace Gateway.Problems;

/// <summary>Every expected per-request outcome that stops a request, mapped to problem+json by <see cref="ProblemWriter"/> (isolation denials through <see cref="DenialProblems"/>).</summary>
internal enum GatewayProblem
{
    None = 0,
    Unauthenticated,
    Forbidden,
    BadRequest,
    OrganizationRequired,
    OrganizationConflict,
    InvalidOrganizationId,
    NotAMember,
    OrganizationSuspended,
    UnknownOrganization,
    MembershipUnavailable,
    CredentialsUnavailable,
    InternalError,
    MethodNotAllowed,
    OrganizationMigrating,
    AuthorityUnavailable,
}
