using System.Security.Claims;
using Gateway.Authentication;
using Gateway.Routing;
using Gateway.Problems;
using Gateway.Policies;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Tenancy;

/// <summary>
/// Determines the requested organization: the route value <c>{organizationId}</c> when the route declares one, else the
/// <c>X-Organization-Id</c> header, else the organization claim. Any two sources that disagree → organization_conflict;
/// an id that fails <see cref="OrganizationId.TryParse"/> → invalid_organization_id; none → organization_required.
/// </summary>
internal sealed class OrganizationResolver
{
    public const string HeaderName = "X-Organization-Id";
    private readonly string _organizationClaim;

    public OrganizationResolver(IOptions<GatewayAuthenticationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _organizationClaim = options.Value.OrganizationClaim;
    }

    public OrganizationResolution Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? routeValue = null;
        if (context.Request.RouteValues.TryGetValue(TenantRouteMetadata.OrganizationRouteValue, out var raw))
        {
            routeValue = raw as string ?? string.Empty;
        }

        return Resolve(routeValue, context.Request.Headers[HeaderName], context.User, _organizationClaim);
    }

    /// <param name="routeValue">Null when the route declares no organization value.</param>
    internal static OrganizationResolution Resolve(string? routeValue, StringValues header, ClaimsPrincipal? user, string organizationClaim)
    {
        string? chosen = routeValue;
        if (routeValue is not null && routeValue.Length == 0)
        {
            return OrganizationResolution.Failed(GatewayProblem.InvalidOrganizationId);
        }

        if (header.Count > 1)
        {
            return OrganizationResolution.Failed(GatewayProblem.OrganizationConflict);
        }

        if (header.Count == 1 && !string.IsNullOrEmpty(header[0]))
        {
            var value = header[0]!;
            if (chosen is not null && !string.Equals(chosen, value, StringComparison.Ordinal))
            {
                return OrganizationResolution.Failed(GatewayProblem.OrganizationConflict);
            }

            chosen = value;
        }

        if (user is GatewayPrincipal validated && string.Equals(validated.OrganizationClaim, organizationClaim, StringComparison.Ordinal))
        {
            // The claim's values as read when the token was validated (no claim enumeration per request).
            var organizations = validated.Organizations;
            for (var i = 0; i < organizations.Count; i++)
            {
                if (chosen is not null && !string.Equals(chosen, organizations[i], StringComparison.Ordinal))
                {
                    return OrganizationResolution.Failed(GatewayProblem.OrganizationConflict);
                }

                chosen = organizations[i];
            }
        }
        else if (user is not null && !string.IsNullOrEmpty(organizationClaim))
        {
            foreach (var claim in user.FindAll(organizationClaim))
            {
                if (string.IsNullOrEmpty(claim.Value))
                {
                    continue;
                }

                if (chosen is not null && !string.Equals(chosen, claim.Value, StringComparison.Ordinal))
                {
                    return OrganizationResolution.Failed(GatewayProblem.OrganizationConflict);
                }

                chosen = claim.Value;
            }
        }

        if (chosen is null)
        {
            return OrganizationResolution.Failed(GatewayProblem.OrganizationRequired);
        }

        return OrganizationId.TryParse(chosen, out var organizationId)
            ? new OrganizationResolution(GatewayProblem.None, organizationId)
            : OrganizationResolution.Failed(GatewayProblem.InvalidOrganizationId);
    }
}
