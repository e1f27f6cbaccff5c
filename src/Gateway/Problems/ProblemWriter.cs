using System.Globalization;
using System.Text.Json;

namespace Gateway.Problems;

/// <summary>
/// The one place where gateway outcomes become HTTP responses: <c>application/problem+json</c> with a stable
/// <c>code</c> and the <c>requestId</c>. Never echoes claims, policies or credentials.
/// </summary>
internal static class ProblemWriter
{
    public const string ContentType = "application/problem+json";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    public static int StatusCode(GatewayProblem problem) => problem switch
    {
        GatewayProblem.Unauthenticated => StatusCodes.Status401Unauthorized,
        GatewayProblem.Forbidden or GatewayProblem.NotAMember or GatewayProblem.OrganizationSuspended or GatewayProblem.UnknownOrganization => StatusCodes.Status403Forbidden,
        GatewayProblem.MembershipUnavailable or GatewayProblem.CredentialsUnavailable or GatewayProblem.OrganizationMigrating or GatewayProblem.AuthorityUnavailable => StatusCodes.Status503ServiceUnavailable,
        GatewayProblem.None => StatusCodes.Status200OK,
        GatewayProblem.InternalError => StatusCodes.Status500InternalServerError,
        GatewayProblem.MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        _ => StatusCodes.Status400BadRequest,
    };

    public static string Code(GatewayProblem problem) => problem switch
    {
        GatewayProblem.Unauthenticated => "unauthenticated",
        GatewayProblem.Forbidden => "forbidden",
        GatewayProblem.BadRequest => "bad_request",
        GatewayProblem.OrganizationRequired => "organization_required",
        GatewayProblem.OrganizationConflict => "organization_conflict",
        GatewayProblem.InvalidOrganizationId => "invalid_organization_id",
        GatewayProblem.NotAMember => "not_a_member",
        GatewayProblem.OrganizationSuspended => "organization_suspended",
        GatewayProblem.UnknownOrganization => "unknown_organization",
        GatewayProblem.MembershipUnavailable => "membership_unavailable",
        GatewayProblem.CredentialsUnavailable => "credentials_unavailable",
        GatewayProblem.InternalError => "internal_error",
        GatewayProblem.MethodNotAllowed => "method_not_allowed",
        GatewayProblem.OrganizationMigrating => "organization_migrating",
        GatewayProblem.AuthorityUnavailable => "authority_unavailable",
        _ => "none",
    };

    public static string Title(GatewayProblem problem) => problem switch
    {
        GatewayProblem.Unauthenticated => "A valid bearer token is required.",
        GatewayProblem.Forbidden => "The caller may not use this route.",
        GatewayProblem.BadRequest => "The request path is malformed or ambiguous.",
        GatewayProblem.OrganizationRequired => "The request does not name an organization.",
        GatewayProblem.OrganizationConflict => "The request names more than one organization.",
        GatewayProblem.InvalidOrganizationId => "The organization id is not valid.",
        GatewayProblem.NotAMember => "The caller is not a member of the organization.",
        GatewayProblem.OrganizationSuspended => "The organization is suspended.",
        GatewayProblem.UnknownOrganization => "The organization does not exist.",
        GatewayProblem.MembershipUnavailable => "Membership cannot be verified right now.",
        GatewayProblem.CredentialsUnavailable => "Scoped credentials cannot be issued right now.",
        GatewayProblem.InternalError => "The gateway failed to handle the request; nothing was forwarded.",
        GatewayProblem.MethodNotAllowed => "The gateway does not forward this HTTP method.",
        GatewayProblem.OrganizationMigrating => "The organization's data is being migrated; retry shortly.",
        GatewayProblem.AuthorityUnavailable => "The token issuer's signing keys cannot be fetched; no token is accepted until they can.",
        _ => "OK",
    };

    /// <summary>Writes the problem response. <paramref name="retryAfter"/> adds a Retry-After header (whole seconds, at least 1).</summary>
    public static async Task WriteAsync(HttpContext context, GatewayProblem problem, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        var status = StatusCode(problem);
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "about:blank");
            writer.WriteString("title", Title(problem));
            writer.WriteNumber("status", status);
            writer.WriteString("code", Code(problem));
            writer.WriteString("requestId", context.TraceIdentifier);
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
