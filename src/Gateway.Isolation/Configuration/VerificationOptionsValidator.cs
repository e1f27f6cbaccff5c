using System.Globalization;
using Gateway.Policies;

namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Verification</c> section (<see cref="VerificationOptions"/>).</summary>
internal static class VerificationOptionsValidator
{
    public static void Validate(VerificationOptions v, string section, List<string> errors)
    {
        if (v.Interval < TimeSpan.Zero || (v.Enabled && v.Interval < VerificationOptions.MinimumInterval))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{section}:Interval ({v.Interval}) must be zero (off) or at least {VerificationOptions.MinimumInterval}."));
        }

        var organizations = v.Organizations;
        if (organizations.Count != 0
            && (organizations.Count != 2 || !organizations.TrueForAll(OrganizationId.IsWellFormed) || string.Equals(organizations[0], organizations[1], StringComparison.Ordinal)))
        {
            errors.Add($"{section}:Organizations must be empty (zz-verify-a, zz-verify-b) or two distinct valid organization ids.");
        }
    }
}
