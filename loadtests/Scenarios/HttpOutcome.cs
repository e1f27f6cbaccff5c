namespace LoadTests.Scenarios;

/// <summary>What a scenario needs from one HTTP exchange: status, problem <c>code</c>, Retry-After presence, body (when read).</summary>
internal sealed record HttpOutcome(int StatusCode, string? Code, bool HasRetryAfter, string? Body, long Size)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}
