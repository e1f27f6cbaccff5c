using System.Threading.Channels;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Invocation;

namespace Gateway.Migration.Items;

/// <summary>Table helpers: the key schema (DescribeTable) and a parallel Scan (segments) that resumes from per-segment keys.</summary>
internal static class Tables
{
    /// <summary>The table's key shape.</summary>
    /// <exception cref="UsageException">The table does not exist.</exception>
    public static async Task<KeyShape> DescribeKeyAsync(IAmazonDynamoDB dynamoDb, string table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        TableDescription description;
        try
        {
            description = (await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken).ConfigureAwait(false)).Table;
        }
        catch (ResourceNotFoundException e)
        {
            throw new UsageException($"unknown table '{CommandLine.Truncate(table)}'", e);
        }

        string TypeOf(string name) => description.AttributeDefinitions.First(a => a.AttributeName == name).AttributeType.Value;
        var hash = description.KeySchema.First(k => k.KeyType == KeyType.HASH).AttributeName;
        var range = description.KeySchema.FirstOrDefault(k => k.KeyType == KeyType.RANGE)?.AttributeName;
        return new KeyShape
        {
            PartitionKey = hash,
            PartitionKeyType = TypeOf(hash),
            SortKey = range,
            SortKeyType = range is null ? null : TypeOf(range),
        };
    }

    /// <summary>One page of a segment: its items and the key to resume after it (null when the segment is done).</summary>
    public sealed record Page(int Segment, List<Dictionary<string, AttributeValue>> Items, Dictionary<string, AttributeValue>? NextKey);

    /// <summary>
    /// The pages of one partition (<c>#pk = value</c>, strongly consistent), from <paramref name="startKey"/> (null = the
    /// beginning): an exact key condition, so no item of another partition is ever read.
    /// </summary>
    public static async IAsyncEnumerable<Page> QueryPagesAsync(
        IAmazonDynamoDB dynamoDb, string table, string partitionKey, string value, Dictionary<string, AttributeValue>? startKey, int? pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        var request = new QueryRequest
        {
            TableName = table,
            KeyConditionExpression = "#pk = :pk",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = partitionKey },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pk"] = new AttributeValue { S = value } },
            ConsistentRead = true,
            ExclusiveStartKey = startKey,
            Limit = pageSize,
        };
        do
        {
            var response = await dynamoDb.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            var next = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            yield return new Page(0, response.Items ?? [], next);
            request.ExclusiveStartKey = next;
        }
        while (request.ExclusiveStartKey is not null);
    }

    /// <summary>
    /// Scans <paramref name="table"/> in <paramref name="segments"/> parallel segments, each starting at its entry of
    /// <paramref name="startKeys"/> (null = from the beginning) and skipping segments in <paramref name="done"/>; pages
    /// arrive in order per segment.
    /// </summary>
    public static async IAsyncEnumerable<Page> ScanAsync(
        IAmazonDynamoDB dynamoDb, string table, int segments, IReadOnlyDictionary<int, Dictionary<string, AttributeValue>>? startKeys, IReadOnlySet<int>? done,
        ScanFilter? filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken, int? pageSize = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        var channel = Channel.CreateBounded<Page>(new BoundedChannelOptions(segments * 2) { SingleReader = true });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, segments).Where(s => done is null || !done.Contains(s)).Select(segment => Task.Run(async () =>
        {
            var request = new ScanRequest
            {
                TableName = table,
                Segment = segment,
                TotalSegments = segments,
                ConsistentRead = true,
                ExclusiveStartKey = startKeys?.GetValueOrDefault(segment),
                Limit = pageSize,
            };
            filter?.Apply(request);
            do
            {
                var response = await dynamoDb.ScanAsync(request, cts.Token).ConfigureAwait(false);
                var next = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
                await channel.Writer.WriteAsync(new Page(segment, response.Items ?? [], next), cts.Token).ConfigureAwait(false);
                request.ExclusiveStartKey = next;
            }
            while (request.ExclusiveStartKey is not null);
        }, cts.Token)).ToList();
        var all = Task.WhenAll(workers);
        _ = all.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var page in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return page;
        }

        await all.ConfigureAwait(false);
    }
}
