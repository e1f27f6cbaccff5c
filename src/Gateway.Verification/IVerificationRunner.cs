namespace Gateway.Verification;

/// <summary>Runs a <see cref="VerificationPlan"/> (<see cref="VerificationRunner"/>; a fake in tests of the scheduler).</summary>
internal interface IVerificationRunner
{
    Task<VerificationReport> RunAsync(VerificationPlan plan, CancellationToken cancellationToken);
}
