namespace Gateway.Isolation.Credentials;

/// <summary>
/// The AssumeRole budget (<c>Sts:MaxAssumeRolePerSecond</c>) did not admit the call within <c>Sts:AdmissionTimeout</c>:
/// the request gets the same 503 <c>credentials_unavailable</c> + Retry-After as an STS outage; the type names the reason in logs.
/// </summary>
internal sealed class StsAdmissionRejectedException : Exception
{
    public StsAdmissionRejectedException() { }

    public StsAdmissionRejectedException(string message) : base(message) { }

    public StsAdmissionRejectedException(string message, Exception innerException) : base(message, innerException) { }

    public StsAdmissionRejectedException(string message, TimeSpan retryAfter) : base(message) => RetryAfter = retryAfter;

    /// <summary>The 503's Retry-After.</summary>
    public TimeSpan? RetryAfter { get; }
}
