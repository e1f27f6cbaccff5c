namespace Gateway.Problems;

/// <summary>
/// The refusals the web host makes itself (method, path, authentication, organization resolution, pipeline failures).
/// The isolation engine's refusals are its <see cref="Isolation.Evaluation.TenantDenialCode"/>; both map to HTTP in
/// <see cref="ProblemTable"/> only.
/// </summary>
internal enum GatewayProblem
{
    /// <summary>Not refused.</summary>
    None = 0,
    Unauthenticated,
    Forbidden,
    BadRequest,
    OrganizationRequired,
    OrganizationConflict,
    InvalidOrganizationId,
    InternalError,
    MethodNotAllowed,
    AuthorityUnavailable,
}
