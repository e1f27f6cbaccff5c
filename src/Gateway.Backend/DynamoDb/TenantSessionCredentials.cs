using Amazon.Runtime;
using Gateway.Envelopes;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// The STS session credentials from one verified envelope. Fixed: never refreshed, never falls back to ambient
/// credentials. <see cref="ToString"/> redacts.
/// </summary>
internal sealed class TenantSessionCredentials : AWSCredentials
{
    private readonly ImmutableCredentials _credentials;
    private readonly Task<ImmutableCredentials> _completed;

    public TenantSessionCredentials(TenantEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        _credentials = new ImmutableCredentials(envelope.AccessKeyId, envelope.SecretAccessKey, envelope.SessionToken);
        _completed = Task.FromResult(_credentials);
        AccessKeyId = envelope.AccessKeyId;
        ExpiresAt = envelope.CredentialExpiration;
        Expiration = envelope.CredentialExpiration.UtcDateTime;
    }

    public string AccessKeyId { get; }

    public DateTimeOffset ExpiresAt { get; }

    public override ImmutableCredentials GetCredentials() => _credentials;

    public override Task<ImmutableCredentials> GetCredentialsAsync() => _completed;

    /// <summary>True when these are exactly the envelope's credentials (same key id, secret and token).</summary>
    public bool Matches(TenantEnvelope envelope) =>
        string.Equals(_credentials.AccessKey, envelope.AccessKeyId, StringComparison.Ordinal)
        && string.Equals(_credentials.SecretKey, envelope.SecretAccessKey, StringComparison.Ordinal)
        && string.Equals(_credentials.Token, envelope.SessionToken, StringComparison.Ordinal);

    public override string ToString() =>
        $"TenantSessionCredentials {{ AccessKeyId = {TenantEnvelope.RedactAccessKeyId(AccessKeyId)}, Expiration = {ExpiresAt:O} }}";
}
