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

    /// <summary>
    /// When the gateway asked STS for this set (taken before the call, so never later than STS's issue time but for clock
    /// skew); null: unknown (an L2 entry written by an older gateway). A revocation's cut-off is compared with it.
    /// </summary>
    public DateTimeOffset? RequestedAt { get; init; }

    public override string ToString() => $"ScopedCredentials {{ AccessKeyId = {AccessKeyId}, SessionName = {SessionName}, Expiration = {Expiration:O}, SecretAccessKey = [redacted], SessionToken = [redacted] }}";
}
