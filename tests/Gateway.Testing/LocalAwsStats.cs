namespace Gateway.Testing;

/// <summary><c>GET /_localaws/stats</c>: AssumeRole calls, DynamoDB requests, and denials (total and by error code).</summary>
public sealed record LocalAwsStats
{
    public long AssumeRoleCalls { get; init; }
    public long AssumeRoleSucceeded { get; init; }
    public long DynamoDbRequests { get; init; }
    public long DynamoDbAllowed { get; init; }
    public long Denied { get; init; }
    public IReadOnlyDictionary<string, long> DeniedByCode { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> StsErrorsByCode { get; init; } = new Dictionary<string, long>();
}
