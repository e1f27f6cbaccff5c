namespace LoadTests.Engine;

/// <summary>
/// Outcome of one step: ok or failed, the HTTP status (0 when there was no response) and an error code — the problem+json
/// <c>code</c> when the server sent one, or a client-side code such as <c>timeout</c>.
/// </summary>
internal readonly record struct StepResponse(bool IsOk, int StatusCode, string? ErrorCode, long SizeBytes)
{
    public static StepResponse Ok(int statusCode = 200, long sizeBytes = 0, string? code = null) =>
        new(true, statusCode, code, sizeBytes);

    public static StepResponse Fail(int statusCode, string? errorCode, long sizeBytes = 0) =>
        new(false, statusCode, errorCode, sizeBytes);
}
