namespace Gateway.Isolation.Credentials;

/// <summary>STS returned credentials that cannot be used (already expired or inside the expiry buffer).</summary>
internal sealed class CredentialsRejectedException : Exception
{
    public CredentialsRejectedException() { }

    public CredentialsRejectedException(string message) : base(message) { }

    public CredentialsRejectedException(string message, Exception innerException) : base(message, innerException) { }
}
