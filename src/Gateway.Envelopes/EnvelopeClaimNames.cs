namespace Gateway.Envelopes;

/// <summary>Claim and header names of the <c>X-Tenant-Context</c> envelope (the wire contract).</summary>
public static class EnvelopeClaimNames
{
    /// <summary>The HTTP header that carries the envelope (the gateway writes it; backends read it by default).</summary>
    public const string HeaderName = "X-Tenant-Context";

    /// <summary>Organization id.</summary>
    public const string Organization = "org";

    /// <summary>User id.</summary>
    public const string Subject = "sub";

    /// <summary>Membership role.</summary>
    public const string Role = "role";

    /// <summary>Request id.</summary>
    public const string RequestId = "rid";

    /// <summary>Permission set.</summary>
    public const string PermissionSet = "ps";

    /// <summary>The organization's shard count (a number; absent = 1, written only when greater than 1).</summary>
    public const string Shards = "shards";

    /// <summary>STS access key id.</summary>
    public const string AccessKeyId = "aws_akid";

    /// <summary>STS secret access key.</summary>
    public const string SecretAccessKey = "aws_secret";

    /// <summary>STS session token.</summary>
    public const string SessionToken = "aws_token";

    /// <summary>STS credential expiry, unix seconds.</summary>
    public const string CredentialExpiration = "aws_exp";

    /// <summary>The only key-management algorithm accepted.</summary>
    public const string KeyManagementAlgorithm = "dir";

    /// <summary>The only content-encryption algorithm accepted.</summary>
    public const string ContentEncryptionAlgorithm = "A256CBC-HS512";
}
