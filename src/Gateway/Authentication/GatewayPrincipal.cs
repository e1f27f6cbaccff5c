using System.Security.Claims;

namespace Gateway.Authentication;

/// <summary>
/// The principal of a token that passed validation, carrying the identity values <see cref="IdentityClaims"/> checked
/// then: the user id and the organization claim values. The validated-token cache hands the same principal to every
/// request with that token, so the hot path reads these instead of enumerating claims (no iterator, predicate or
/// enumerator allocations per request). The claims themselves are unchanged; a principal of any other type is read
/// from its claims as before.
/// </summary>
internal sealed class GatewayPrincipal : ClaimsPrincipal
{
    private GatewayPrincipal(ClaimsPrincipal validated, string userIdClaim, string userId, string organizationClaim, string[] organizations)
        : base(validated.Identities)
    {
        UserIdClaim = userIdClaim;
        UserId = userId;
        OrganizationClaim = organizationClaim;
        Organizations = organizations;
        IsAuthenticated = validated.Identities.Any(i => i.IsAuthenticated);
    }

    /// <summary>The claim type <see cref="UserId"/> was read from.</summary>
    public string UserIdClaim { get; }

    /// <summary>The one valid user id (<see cref="IdentityClaims.TryGetUserId"/>).</summary>
    public string UserId { get; }

    /// <summary>The claim type <see cref="Organizations"/> were read from.</summary>
    public string OrganizationClaim { get; }

    /// <summary>The non-empty values of the organization claim, in claim order.</summary>
    public IReadOnlyList<string> Organizations { get; }

    /// <summary>Whether any identity is authenticated (what <c>RequireAuthenticatedUser</c> checks).</summary>
    public bool IsAuthenticated { get; }

    /// <summary>
    /// The principal with its identity values captured, or null when <paramref name="validated"/> has no valid user id
    /// (the caller refuses the token).
    /// </summary>
    public static GatewayPrincipal? From(ClaimsPrincipal validated, string userIdClaim, string organizationClaim)
    {
        ArgumentNullException.ThrowIfNull(validated);
        if (!IdentityClaims.TryGetUserId(validated, userIdClaim, out var userId))
        {
            return null;
        }

        var organizations = string.IsNullOrEmpty(organizationClaim)
            ? []
            : validated.FindAll(organizationClaim).Select(c => c.Value).Where(v => !string.IsNullOrEmpty(v)).ToArray();
        return new GatewayPrincipal(validated, userIdClaim, userId, organizationClaim, organizations);
    }
}
