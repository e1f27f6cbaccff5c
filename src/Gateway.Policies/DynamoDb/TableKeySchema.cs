namespace Gateway.Policies.DynamoDb;

/// <summary>A table's partition key attribute and the partition key attribute of each of its indexes (GSI/LSI).</summary>
public sealed record TableKeySchema(string TableName, string PartitionKey)
{
    public IReadOnlyDictionary<string, string> IndexPartitionKeys { get; init; } = new Dictionary<string, string>();
}
