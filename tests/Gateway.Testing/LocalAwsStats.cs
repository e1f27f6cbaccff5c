namespace Gateway.Testing;

/// <summary><c>GET /_localaws/stats</c>: AssumeRole calls, DynamoDB requests, and denials (total and by error code).</summary>
public sealed record LocalAwsStats
{
    public long AssumeRoleCalls { get; init; }

    /// <summary>AssumeRole calls per whole UTC second of arrival (key: Unix seconds), the last 600 seconds; seconds without calls absent.</summary>
    public IReadOnlyDictionary<string, long> AssumeRoleCallsBySecond { get; init; } = new Dictionary<string, long>();
    public long AssumeRoleSucceeded { get; init; }
    public long DynamoDbRequests { get; init; }
    public long DynamoDbAllowed { get; init; }
    public long Denied { get; init; }
    public IReadOnlyDictionary<string, long> DeniedByCode { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> StsErrorsByCode { get; init; } = new Dictionary<string, long>();

    /// <summary>DynamoDB requests refused by the per-partition-key budget (ProvisionedThroughputExceededException); not denials.</summary>
    public long Throttled { get; init; }
}
