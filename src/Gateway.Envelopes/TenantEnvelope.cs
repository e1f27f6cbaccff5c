namespace Gateway.Envelopes;

/// <summary>
/// What the gateway tells a backend about one request: who is calling for which organization, and the
/// organization-scoped AWS session credentials to use. Carried in <c>X-Tenant-Context</c>.
/// <see cref="ToString"/> redacts the credentials.
/// </summary>
public sealed record TenantEnvelope
{
    /// <summary>The organization the caller acts for (claim <c>org</c>).</summary>
    public required string OrganizationId { get; init; }

    /// <summary>The authenticated user (claim <c>sub</c>).</summary>
    public required string UserId { get; init; }

    /// <summary>The caller's membership role in the organization, e.g. <c>ADMINISTRATOR</c> (claim <c>role</c>).</summary>
    public required string Role { get; init; }

    /// <summary>The gateway's request id (claim <c>rid</c>).</summary>
    public required string RequestId { get; init; }

    /// <summary>The permission set the session policy was built for, e.g. <c>read-write</c> (claim <c>ps</c>).</summary>
    public required string PermissionSet { get; init; }

    /// <summary>STS session access key id (claim <c>aws_akid</c>).</summary>
    public required string AccessKeyId { get; init; }

    /// <summary>STS session secret access key (claim <c>aws_secret</c>). Secret.</summary>
    public required string SecretAccessKey { get; init; }

    /// <summary>STS session token (claim <c>aws_token</c>). Secret.</summary>
    public required string SessionToken { get; init; }

    /// <summary>When the STS credentials expire (claim <c>aws_exp</c>, unix seconds).</summary>
    public required DateTimeOffset CredentialExpiration { get; init; }

    /// <summary>
    /// How many partition keys the organization's data is spread over (claim <c>shards</c>; absent = 1): 1 means the single
    /// key <c>{org}</c>, N (a power of two up to <see cref="MaxShards"/>) the keys <c>{org}#0</c>…<c>{org}#N−1</c>. The
    /// credentials allow exactly those keys.
    /// </summary>
    public int Shards { get; init; } = 1;

    /// <summary>The largest shard count an envelope may carry.</summary>
    public const int MaxShards = 64;

    /// <summary>True for 1, 2, 4, … <see cref="MaxShards"/>.</summary>
    public static bool IsValidShardCount(long shards) => shards is >= 1 and <= MaxShards && (shards & (shards - 1)) == 0;

    /// <summary>Shows identity fields only; the credentials are redacted.</summary>
    public override string ToString() =>
        $"TenantEnvelope {{ OrganizationId = {OrganizationId}, UserId = {UserId}, Role = {Role}, RequestId = {RequestId}, " +
        $"PermissionSet = {PermissionSet}, Shards = {Shards}, AccessKeyId = {RedactAccessKeyId(AccessKeyId)}, SecretAccessKey = [redacted], " +
        $"SessionToken = [redacted], CredentialExpiration = {CredentialExpiration:O} }}";

    /// <summary>
    /// An access key id safe for logs and <c>ToString()</c>: its first four characters (the key type, e.g. <c>ASIA</c>),
    /// the rest redacted.
    /// </summary>
    public static string RedactAccessKeyId(string? accessKeyId) =>
        string.IsNullOrEmpty(accessKeyId) || accessKeyId.Length <= 4 ? "[redacted]" : string.Concat(accessKeyId.AsSpan(0, 4), "…[redacted]");
}
