namespace Gateway.Isolation.Credentials;

/// <summary>Credentials to forward with, or none and how long the caller should wait before retrying.</summary>
internal readonly record struct CredentialResult(ScopedCredentials? Credentials, TimeSpan RetryAfter)
{
    public static CredentialResult Unavailable(TimeSpan retryAfter) => new(null, retryAfter);
}
