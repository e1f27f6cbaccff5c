namespace Gateway.Isolation.Credentials;

/// <summary>
/// The issuer refuses to try right now (STS circuit open) and says when to come back: <see cref="RetryAfter"/> becomes the
/// 503's Retry-After, so the cache needs no knowledge of the resilience library's types.
/// </summary>
internal sealed class IssuerUnavailableException : Exception
{
    public IssuerUnavailableException() { }

    public IssuerUnavailableException(string message) : base(message) { }

    public IssuerUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    public IssuerUnavailableException(string message, TimeSpan? retryAfter, Exception? innerException)
        : base(message, innerException) => RetryAfter = retryAfter;

    /// <summary>How long until the issuer tries again; null when it cannot tell.</summary>
    public TimeSpan? RetryAfter { get; }
}
