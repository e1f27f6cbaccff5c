namespace LocalAws.Sts;

/// <summary>What <see cref="AssumeRoleSessionIssuer"/> decided: a new session, or the STS error to answer with.</summary>
internal sealed record AssumeRoleOutcome
{
    private AssumeRoleOutcome(AssumeRoleResult? result, StsError? error)
    {
        Result = result;
        Error = error;
    }

    /// <summary>The issued session; null when <see cref="Error"/> is set.</summary>
    public AssumeRoleResult? Result { get; }

    public StsError? Error { get; }

    public static AssumeRoleOutcome Issued(AssumeRoleResult result) => new(result, null);

    public static AssumeRoleOutcome Failed(StsError error) => new(null, error);

    public override string ToString() => Error is null ? $"Issued {{ {Result} }}" : $"Failed {{ {Error} }}";
}
