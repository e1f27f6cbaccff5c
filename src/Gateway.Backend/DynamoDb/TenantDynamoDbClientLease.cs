using Amazon.DynamoDBv2;

namespace Gateway.Backend.DynamoDb;

/// <summary>A DynamoDB client for one request: shared (cached per credential generation) or owned (disposed at the end).</summary>
internal readonly record struct TenantDynamoDbClientLease(IAmazonDynamoDB Client, bool Owned) : IDisposable
{
    public void Dispose()
    {
        if (Owned)
        {
            Client.Dispose();
        }
    }
}
