namespace Gateway.Problems;

/// <summary>
/// The refusals the web host makes itself (method, path, authentication, organization resolution, pipeline failures)
/// and the forwarding failures YARP reports (<see cref="Forwarding.ForwardingFailure"/>).
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

    /// <summary>The backend could not be reached (refused, reset, no healthy destination) or gave no usable response.</summary>
    BackendUnavailable,

    /// <summary>The backend did not answer within the cluster's forwarding timeout (YARP <c>HttpRequest:ActivityTimeout</c>).</summary>
    BackendTimeout,
}
