namespace Gateway.Policies;

/// <summary>The AWS partition, region and account that ARNs are built for.</summary>
public sealed record AwsScope
{
    public string Partition { get; init; } = "aws";
    public required string Region { get; init; }
    public required string AccountId { get; init; }

    /// <summary><c>arn:{partition}:dynamodb:{region}:{account}:table/{table}</c>.</summary>
    public string TableArn(string tableName) => throw new NotImplementedException();
}
