namespace Gateway.Isolation.Verification;

/// <summary>One line of the verification table. Never holds a secret (error codes and ARNs, not messages with keys).</summary>
public sealed record VerificationCheck(string Name, string Expected, string Observed, bool Passed);
