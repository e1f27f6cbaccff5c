using System.Text.RegularExpressions;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Configuration;

/// <summary>The top-level credential keys of <c>TenantIsolation</c>: RoleArn, ExternalId, SourceIdentity, CredentialLifetime, RefreshAhead, ExpiryBuffer.</summary>
internal static partial class CredentialOptionsValidator
{
    public static void Validate(TenantIsolationOptions o, string section, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(o.RoleArn))
        {
            errors.Add($"{section}:RoleArn is required (the role the gateway assumes for tenants, arn:aws:iam::ACCOUNT:role/NAME).");
        }
        else if (!RoleArn.TryParse(o.RoleArn, out _))
        {
            errors.Add($"{section}:RoleArn '{o.RoleArn}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME).");
        }

        if (o.ExternalId is { } externalId && !ExternalIdPattern().IsMatch(externalId))
        {
            errors.Add($"{section}:ExternalId must be 2-1224 characters of [\\w+=,.@:/-].");
        }

        if (!SessionNames.IsValid(o.SourceIdentity) || o.SourceIdentity!.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{section}:SourceIdentity must be 2-64 characters of [\\w+=,.@-] (sent as STS SourceIdentity with organization-scoped sessions); was '{o.SourceIdentity}'.");
        }

        var seconds = o.CredentialLifetime.TotalSeconds;
        if (seconds < 900 || seconds > 43_200 || o.CredentialLifetime.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add($"{section}:CredentialLifetime must be whole seconds between 00:15:00 and 12:00:00 (STS DurationSeconds 900-43200; 3600 at most when role-chaining); was {o.CredentialLifetime}.");
        }

        if (o.ExpiryBuffer < TimeSpan.Zero)
        {
            errors.Add($"{section}:ExpiryBuffer must not be negative.");
        }

        if (o.RefreshAhead <= o.ExpiryBuffer)
        {
            errors.Add($"{section}:RefreshAhead ({o.RefreshAhead}) must be longer than ExpiryBuffer ({o.ExpiryBuffer}) so a refresh starts before callers have to wait.");
        }

        if (o.RefreshAhead >= o.CredentialLifetime / 2)
        {
            errors.Add($"{section}:RefreshAhead ({o.RefreshAhead}) must be shorter than half of CredentialLifetime ({o.CredentialLifetime}), or every request would refresh.");
        }
    }

    [GeneratedRegex(@"^[\w+=,.@:/-]{2,1224}$", RegexOptions.CultureInvariant)]
    private static partial Regex ExternalIdPattern();
}
