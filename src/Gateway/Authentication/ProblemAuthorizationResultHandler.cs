using Gateway.Auditing;
using Gateway.Problems;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Authentication;

/// <summary>
/// Maps authorization challenges and forbids to problem+json (401 unauthenticated / 403 forbidden), each counted and
/// audited (rate-limited) by <see cref="RefusalAuditor"/>.
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
            return RefuseAsync(context, GatewayProblem.Unauthenticated, AuthenticationRefusal.Get(context));
        }

        if (authorizeResult.Forbidden)
        {
            return context.User.Identity?.IsAuthenticated == true
                ? RefuseAsync(context, GatewayProblem.Forbidden, AuthenticationRefusal.PolicyDenied)
                : RefuseAsync(context, GatewayProblem.Unauthenticated, AuthenticationRefusal.Get(context));
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private Task RefuseAsync(HttpContext context, GatewayProblem problem, string reason)
    {
        refusals.Refused(context, problem, reason);
        return ProblemWriter.WriteAsync(context, problem);
    }
}
