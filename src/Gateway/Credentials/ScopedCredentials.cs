namespace Gateway.Credentials;

/// <summary>One generation of STS credentials for a <see cref="CredentialKey"/>. <see cref="ToString"/> never shows secrets.</summary>
internal sealed class ScopedCredentials
{
    private static long s_generation;

    public ScopedCredentials(string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset expiration, string sessionName)
    {
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = sessionToken;
        Expiration = expiration;
        SessionName = sessionName;
        Generation = Interlocked.Increment(ref s_generation);
    }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    public string SessionToken { get; }

    public DateTimeOffset Expiration { get; }

    /// <summary>STS RoleSessionName (appears in CloudTrail and in audit events).</summary>
    public string SessionName { get; }

    /// <summary>Process-unique number of this credential generation.</summary>
    public long Generation { get; }

    public override string ToString() => $"ScopedCredentials {{ AccessKeyId = {AccessKeyId}, SessionName = {SessionName}, Expiration = {Expiration:O}, SecretAccessKey = [redacted], SessionToken = [redacted] }}";
}
