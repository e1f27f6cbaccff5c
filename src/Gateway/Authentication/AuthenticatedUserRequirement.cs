using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace Gateway.Authentication;

/// <summary>
/// The gateway's one authorization requirement, and its own handler: an authenticated caller (what
/// <c>RequireAuthenticatedUser</c> checks) with exactly one valid user id (<see cref="IdentityClaims.TryGetUserId"/>).
/// One requirement instead of <c>RequireAuthenticatedUser().RequireAssertion(…)</c> saves the per-request iterator,
/// closure and async state of the two built-in handlers; a <see cref="GatewayPrincipal"/> answers both checks from the
/// values captured at token validation.
/// </summary>
internal sealed class AuthenticatedUserRequirement(string userIdClaim) : IAuthorizationRequirement, IAuthorizationHandler
{
    public string UserIdClaim { get; } = userIdClaim;

    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (IsMetBy(context.User))
        {
            context.Succeed(this);
        }

        return Task.CompletedTask;
    }

    /// <summary>The requirement's one rule, for the handler and for <see cref="GatewayAuthorizationMiddleware"/>'s fast path.</summary>
    internal bool IsMetBy(ClaimsPrincipal? user) => IsAuthenticated(user) && IdentityClaims.TryGetUserId(user, UserIdClaim, out _);

    internal static bool IsAuthenticated(ClaimsPrincipal? user)
    {
        if (user is GatewayPrincipal validated)
        {
            return validated.IsAuthenticated;
        }

        if (user?.Identity is null)
        {
            return false;
        }

        foreach (var identity in user.Identities)
        {
            if (identity.IsAuthenticated)
            {
                return true;
            }
        }

        return false;
    }
}
