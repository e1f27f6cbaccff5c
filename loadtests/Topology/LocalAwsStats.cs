namespace LoadTests.Topology;

/// <summary>LocalAws counters (<c>GET /_localaws/stats</c>).</summary>
internal sealed record LocalAwsStats(long AssumeRoleCalls, long DynamoDbRequests, long Denied);
