namespace LocalAws.Sts;

/// <summary>What AssumeRole returns. Holds a secret: <see cref="ToString"/> redacts it.</summary>
internal sealed record AssumeRoleResult
{
    public required string AccessKeyId { get; init; }
    public required string SecretAccessKey { get; init; }
    public required string SessionToken { get; init; }
    public required DateTimeOffset Expiration { get; init; }
    public required string Arn { get; init; }
    public required string AssumedRoleId { get; init; }
    public int? PackedPolicySize { get; init; }
    public string? SourceIdentity { get; init; }

    public override string ToString() => $"AssumeRoleResult {{ AccessKeyId = {AccessKeyId}, Arn = {Arn}, Expiration = {Expiration:O} }}";
}
