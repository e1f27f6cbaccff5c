namespace Gateway.Backend.DynamoDb;

/// <summary>What a token is bound to.</summary>
internal sealed record QueryShape(string OrganizationId, int Shards, string TableName, string? IndexName, bool Forward, string PartitionKeyName);
