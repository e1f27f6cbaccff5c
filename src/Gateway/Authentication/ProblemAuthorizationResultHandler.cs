using Gateway.Auditing;
using Gateway.Problems;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Authentication;

/// <summary>
/// Maps authorization challenges and forbids to problem+json (401 unauthenticated / 403 forbidden; 503
/// authority_unavailable when JwtBearer refused because the signing keys are stale), each counted and audited
/// (rate-limited) by <see cref="RefusalAuditor"/>. The only place authentication refusals are written: JwtBearer's own
/// challenge and forbid are never invoked (nothing calls <c>ChallengeAsync</c>/<c>ForbidAsync</c>).
/// </summary>
internal sealed class ProblemAuthorizationResultHandler(RefusalAuditor refusals) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Challenged)
        {
            return RefuseUnauthenticatedAsync(context);
        }

        if (authorizeResult.Forbidden)
        {
            return context.User.Identity?.IsAuthenticated == true
                ? RefuseAsync(context, GatewayProblem.Forbidden, AuthenticationRefusal.PolicyDenied)
                : RefuseUnauthenticatedAsync(context);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }

    /// <summary>401 unauthenticated, or 503 authority_unavailable when the token was not checked because the keys are stale.</summary>
    private Task RefuseUnauthenticatedAsync(HttpContext context)
    {
        var reason = AuthenticationRefusal.Get(context);
        return RefuseAsync(context, reason == AuthenticationRefusal.SigningKeysStale ? GatewayProblem.AuthorityUnavailable : GatewayProblem.Unauthenticated, reason);
    }

    private Task RefuseAsync(HttpContext context, GatewayProblem problem, string reason)
    {
        refusals.Refused(context, problem, reason);
        return ProblemWriter.WriteAsync(context, problem);
    }
}
