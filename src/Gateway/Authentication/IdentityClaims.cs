using System.Security.Claims;
using Gateway.Isolation;

namespace Gateway.Authentication;

/// <summary>
/// The one rule for identity values taken from a token (user id, organization claim). A value is accepted only when it
/// can be a DynamoDB key and cannot forge a log line: non-empty, well-formed UTF-16, no control or line/paragraph
/// separator characters (<c>\r</c>, <c>\n</c>, U+0085, U+2028, U+2029…), and at most as many UTF-8 bytes as the
/// membership table's key attribute holds: the user id is the OrganizationUsers partition key (≤ 2,048 bytes), the
/// organization its sort key (≤ 1,024 bytes; <see cref="Gateway.Policies.OrganizationId"/> is stricter still).
/// </summary>
internal static class IdentityClaims
{
    /// <summary>DynamoDB partition key value limit (bytes, UTF-8).</summary>
    public const int MaxUserIdBytes = 2048;

    /// <summary>DynamoDB sort key value limit (bytes, UTF-8).</summary>
    public const int MaxOrganizationBytes = 1024;

    /// <summary>
    /// The caller's user id: exactly one <paramref name="claimType"/> claim whose value passes <see cref="IsValidValue"/>.
    /// Used by authentication, the authorization policy and the isolation middleware, so they cannot disagree.
    /// </summary>
    public static bool TryGetUserId(ClaimsPrincipal? principal, string claimType, out string userId)
    {
        userId = string.Empty;
        if (principal is null)
        {
            return false;
        }

        if (principal is GatewayPrincipal validated && string.Equals(validated.UserIdClaim, claimType, StringComparison.Ordinal))
        {
            userId = validated.UserId; // checked by this method when the token was validated
            return true;
        }

        string? found = null;
        foreach (var claim in principal.FindAll(claimType))
        {
            if (found is not null)
            {
                return false; // several user ids: ambiguous
            }

            found = claim.Value;
        }

        if (found is null || !IsValidValue(found, MaxUserIdBytes))
        {
            return false;
        }

        userId = found;
        return true;
    }

    /// <summary>True when every <paramref name="claimType"/> claim (if any) passes <see cref="IsValidValue"/> with the sort-key limit.</summary>
    public static bool OrganizationClaimsValid(ClaimsPrincipal? principal, string claimType)
    {
        if (principal is null || string.IsNullOrEmpty(claimType))
        {
            return true;
        }

        foreach (var claim in principal.FindAll(claimType))
        {
            if (claim.Value.Length > 0 && !IsValidValue(claim.Value, MaxOrganizationBytes))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValidValue(string value, int maxUtf8Bytes) => UserIds.IsValidValue(value, maxUtf8Bytes);
}
