using Gateway.Isolation.Evaluation;

namespace Gateway.Problems;

/// <summary>
/// THE table from an outcome to HTTP (status, problem code, title, fixed header), for the isolation engine's denials
/// (<see cref="TenantDenialCode"/>) and the host's own refusals (<see cref="GatewayProblem"/>). A new denial is one enum
/// member and one arm here; a switch without a discard arm makes a missing row a build error. Every refusal is written
/// from a row by <see cref="ProblemWriter"/>. docs/gateway.md's "Request flow and errors" table lists the same rows.
/// </summary>
internal static class ProblemTable
{
    /// <summary>An allowed (or legacy-routed) request: the <c>allow</c> outcome of <c>gateway.requests</c>.</summary>
    public static readonly ProblemRow Allow = new(StatusCodes.Status200OK, "allow", "OK");

    /// <summary>The methods the gateway forwards, as sent in <c>Allow</c> with 405 <c>method_not_allowed</c>.</summary>
    public const string AllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    private static readonly ProblemRow NotAMember = new(403, "not_a_member", "The caller is not a member of the organization.");
    private static readonly ProblemRow InternalError = new(500, "internal_error", "The gateway failed to handle the request; nothing was forwarded.");

    private static readonly ProblemRow[] Denials = Build<TenantDenialCode>(Row);
    private static readonly ProblemRow[] HostProblems = Build<GatewayProblem>(Row);

    public static ProblemRow For(TenantDenialCode denial) => Denials[(int)denial];

    public static ProblemRow For(GatewayProblem problem) => HostProblems[(int)problem];

    /// <summary>Every distinct row (the <c>gateway.requests</c> series published at 0).</summary>
    public static IReadOnlyList<ProblemRow> All { get; } = Denials.Concat(HostProblems).Distinct().ToArray();

#pragma warning disable CS8524 // only named values exist; a missing named one is CS8509, an error
    private static ProblemRow Row(TenantDenialCode denial) => denial switch
    {
        TenantDenialCode.None => Allow,
        TenantDenialCode.NotAMember or TenantDenialCode.RoleNotMapped => NotAMember,
        TenantDenialCode.OrganizationSuspended => new(403, "organization_suspended", "The organization is suspended."),
        TenantDenialCode.UnknownOrganization => new(403, "unknown_organization", "The organization does not exist."),
        TenantDenialCode.MembershipUnavailable => new(503, "membership_unavailable", "Membership cannot be verified right now."),
        TenantDenialCode.CredentialsUnavailable => new(503, "credentials_unavailable", "Scoped credentials cannot be issued right now."),
        TenantDenialCode.OrganizationMigrating => new(503, "organization_migrating", "The organization's data is being migrated; retry shortly."),
        TenantDenialCode.UnknownDataLocation => InternalError,
        TenantDenialCode.InvalidShardCount => new(500, "invalid_shard_count", "The organization's shard count is invalid; its requests are refused until it is fixed."),
        TenantDenialCode.OrganizationRateLimited => new(429, "organization_rate_limited", "The organization is over its rate limit; retry after the Retry-After delay."),
    };

    private static ProblemRow Row(GatewayProblem problem) => problem switch
    {
        GatewayProblem.None => Allow,
        GatewayProblem.Unauthenticated => new(401, "unauthenticated", "A valid bearer token is required.", "WWW-Authenticate", "Bearer"),
        GatewayProblem.Forbidden => new(403, "forbidden", "The caller may not use this route."),
        GatewayProblem.BadRequest => new(400, "bad_request", "The request path is malformed or ambiguous."),
        GatewayProblem.OrganizationRequired => new(400, "organization_required", "The request does not name an organization."),
        GatewayProblem.OrganizationConflict => new(400, "organization_conflict", "The request names more than one organization."),
        GatewayProblem.InvalidOrganizationId => new(400, "invalid_organization_id", "The organization id is not valid."),
        GatewayProblem.InternalError => InternalError,
        GatewayProblem.MethodNotAllowed => new(405, "method_not_allowed", "The gateway does not forward this HTTP method.", "Allow", AllowedMethods),
        GatewayProblem.AuthorityUnavailable => new(503, "authority_unavailable", "The token issuer's signing keys cannot be fetched; no token is accepted until they can."),
        GatewayProblem.BackendUnavailable => new(502, "backend_unavailable", "The backend could not be reached or did not give a usable response."),
        GatewayProblem.BackendTimeout => new(504, "backend_timeout", "The backend did not answer within the forwarding timeout."),
    };
#pragma warning restore CS8524

    private static ProblemRow[] Build<TEnum>(Func<TEnum, ProblemRow> row)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var rows = new ProblemRow[values.Length];
        foreach (var value in values)
        {
            rows[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = row(value);
        }

        return rows;
    }
}
