using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Gateway.Migration.Copying;

namespace Gateway.Migration.Tests.Copying;

public sealed class BatchWriterTests
{
    /// <summary>A DynamoDB client that answers BatchWriteItem itself: the first call leaves part of the batch unprocessed, as DynamoDB does under load.</summary>
    private sealed class PartialDynamoDb(int unprocessedOnFirstCall) : AmazonDynamoDBClient(new BasicAWSCredentials("fake", "fake"), new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9/" })
    {
        private int _calls;

        public List<string> Written { get; } = [];

        public int Calls => _calls;

        public override Task<BatchWriteItemResponse> BatchWriteItemAsync(BatchWriteItemRequest request, CancellationToken cancellationToken = default)
        {
            var (table, requests) = request.RequestItems.Single();
            var left = Interlocked.Increment(ref _calls) == 1 ? requests.TakeLast(unprocessedOnFirstCall).ToList() : [];
            lock (Written)
            {
                Written.AddRange(requests.SkipLast(left.Count).Select(r => r.PutRequest.Item["id"].S));
            }

            return Task.FromResult(new BatchWriteItemResponse
            {
                UnprocessedItems = left.Count > 0 ? new Dictionary<string, List<WriteRequest>> { [table] = left } : [],
            });
        }
    }

    [Fact]
    public async Task PutAsync_PartOfABatchUnprocessedOnce_RetriedEveryItemWrittenOnce()
    {
        using var dynamoDb = new PartialDynamoDb(unprocessedOnFirstCall: 7);
        var writer = new BatchWriter(dynamoDb, "T", null, TimeProvider.System);
        var items = Enumerable.Range(0, 20).Select(i => new Dictionary<string, AttributeValue> { ["id"] = new($"i{i}") }).ToList();

        await writer.PutAsync(items, CancellationToken.None);

        Assert.Equal(items.Select(i => i["id"].S).Order(StringComparer.Ordinal), dynamoDb.Written.Order(StringComparer.Ordinal));
        Assert.Equal(2, dynamoDb.Calls);
        Assert.Equal(1, writer.Retries);
    }

    [Fact]
    public async Task PutAsync_EverythingProcessed_NoRetry()
    {
        using var dynamoDb = new PartialDynamoDb(unprocessedOnFirstCall: 0);
        var writer = new BatchWriter(dynamoDb, "T", null, TimeProvider.System);

        await writer.PutAsync([new() { ["id"] = new("a") }, new() { ["id"] = new("b") }], CancellationToken.None);

        Assert.Equal(["a", "b"], dynamoDb.Written.Order(StringComparer.Ordinal));
        Assert.Equal(0, writer.Retries);
    }
}
