namespace Gateway.Policies;

/// <summary>The AWS partition, region and account that ARNs are built for.</summary>
public sealed record AwsScope
{
    public string Partition { get; init; } = "aws";
    public required string Region { get; init; }
    public required string AccountId { get; init; }

    /// <summary><c>arn:{partition}:dynamodb:{region}:{account}:table/</c>: every table ARN of this scope starts with it.</summary>
    public string TableArnPrefix => string.Concat("arn:", Partition, ":dynamodb:", Region, ":", AccountId, ":table/");

    /// <summary><c>arn:{partition}:dynamodb:{region}:{account}:table/{table}</c>.</summary>
    public string TableArn(string tableName)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        return string.Concat(TableArnPrefix, tableName);
    }

    /// <summary><c>arn:{partition}:dynamodb:{region}:{account}:table/{table}/index/{index}</c>.</summary>
    public string IndexArn(string tableName, string indexName)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexName);
        return string.Concat(TableArn(tableName), "/index/", indexName);
    }
}
