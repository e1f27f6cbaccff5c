using Gateway.Verification;

namespace Gateway.Migration.Validation;

/// <summary>One organization's isolation check: the permission set and STS session used, and each check.</summary>
internal sealed record IsolationResult(string PermissionSet, string? SessionName, IReadOnlyList<VerificationCheck> Checks)
{
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);
}
