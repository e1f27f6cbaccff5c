namespace Gateway.Hosting;

/// <summary>Every expected per-request outcome that stops a request, mapped to problem+json by <see cref="ProblemWriter"/>.</summary>
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
}
