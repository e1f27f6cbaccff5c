namespace Gateway.Verification;

/// <summary>Every check of one verification run, in order.</summary>
public sealed record VerificationReport(IReadOnlyList<VerificationCheck> Checks)
{
    public int Passed => Checks.Count(c => c.Passed);

    public int Failed => Checks.Count(c => !c.Passed);
}
