namespace Gateway.Policies.Evaluation;

/// <summary>
/// The outcome and a human-readable reason ("no statement allows", "explicit deny in statement Sid X",
/// "unknown condition operator Foo in statement Sid X"). <see cref="PolicyKind"/> tells which policy decided when
/// evaluating a session ("identity" or "session"), so callers can word AWS-style denial messages.
/// </summary>
public sealed record EvaluationResult(Decision Decision, string Reason)
{
    public string? StatementSid { get; init; }
    public string? PolicyKind { get; init; }
    public bool IsAllowed => Decision == Decision.Allow;
}
