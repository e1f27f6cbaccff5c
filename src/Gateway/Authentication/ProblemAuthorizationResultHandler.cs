using Gateway.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Authentication;

/// <summary>Maps authorization challenges and forbids to problem+json (401 unauthenticated / 403 forbidden).</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Challenged)
        {
            return ProblemWriter.WriteAsync(context, GatewayProblem.Unauthenticated);
        }

        if (authorizeResult.Forbidden)
        {
            return context.User.Identity?.IsAuthenticated == true
                ? ProblemWriter.WriteAsync(context, GatewayProblem.Forbidden)
                : ProblemWriter.WriteAsync(context, GatewayProblem.Unauthenticated);
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
