namespace Gateway.Migration.Items;

/// <summary>A table's primary key: partition key and optional sort key, each with its attribute type (S, N or B).</summary>
internal sealed record KeyShape
{
    public required string PartitionKey { get; init; }

    public required string PartitionKeyType { get; init; }

    public string? SortKey { get; init; }

    public string? SortKeyType { get; init; }

    public IEnumerable<string> Names => SortKey is null ? [PartitionKey] : [PartitionKey, SortKey];
}
