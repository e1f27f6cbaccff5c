namespace Gateway.Isolation.Credentials;

/// <summary>One set of organization-scoped STS credentials (for one cache key). <see cref="ToString"/> never shows secrets.</summary>
public sealed class ScopedCredentials
{
    public ScopedCredentials(string accessKeyId, string secretAccessKey, string sessionToken, DateTimeOffset expiration, string sessionName)
    {
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = sessionToken;
        Expiration = expiration;
        SessionName = sessionName;
    }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    public string SessionToken { get; }

    public DateTimeOffset Expiration { get; }

    /// <summary>STS RoleSessionName (appears in CloudTrail and in audit events).</summary>
    public string SessionName { get; }

    public override string ToString() => $"ScopedCredentials {{ AccessKeyId = {AccessKeyId}, SessionName = {SessionName}, Expiration = {Expiration:O}, SecretAccessKey = [redacted], SessionToken = [redacted] }}";
}
