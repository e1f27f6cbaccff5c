using System.Text;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.Tests.DynamoDb;

/// <summary>
/// A scripted DynamoDB for the merge and pagination logic only (not the isolation path: that is tested against
/// LocalAws): items by partition-key value, Query honouring Limit, ExclusiveStartKey, ScanIndexForward, a page cap
/// (standing in for the 1 MB page), an optional index sort key and a filter applied after Limit as DynamoDB does;
/// Put/Get/Delete/Update and batches that can leave items unprocessed.
/// </summary>
internal sealed class InMemoryPartitions
{
    private readonly Dictionary<string, List<Dictionary<string, AttributeValue>>> _partitions = new(StringComparer.Ordinal);

    public InMemoryPartitions(string partitionKeyName = "organizationId", string sortKeyName = "applicationId")
    {
        PartitionKeyName = partitionKeyName;
        SortKeyName = sortKeyName;
        (Client, Recorder) = RecordingDynamoDb.Create();
        Recorder.Respond = Answer;
    }

    public Amazon.DynamoDBv2.IAmazonDynamoDB Client { get; }

    public RecordingDynamoDb Recorder { get; }

    public string PartitionKeyName { get; }

    public string SortKeyName { get; }

    /// <summary>Most items in one Query page (DynamoDB's 1 MB).</summary>
    public int PageCap { get; set; } = 1000;

    /// <summary>Index name → its sort-key attribute.</summary>
    public Dictionary<string, string> Indexes { get; } = new(StringComparer.Ordinal);

    /// <summary>Applied to the evaluated items of a page when the request has a FilterExpression.</summary>
    public Func<Dictionary<string, AttributeValue>, bool> Filter { get; set; } = _ => true;

    /// <summary>How many keys/items each batch call leaves unprocessed (then 0).</summary>
    public int LeaveUnprocessedOnce { get; set; }

    public IReadOnlyDictionary<string, List<Dictionary<string, AttributeValue>>> Partitions => _partitions;

    public IEnumerable<QueryRequest> Queries => Recorder.Requests.OfType<QueryRequest>();

    public void Add(Dictionary<string, AttributeValue> item)
    {
        var partition = item[PartitionKeyName].S;
        if (!_partitions.TryGetValue(partition, out var items))
        {
            _partitions[partition] = items = [];
        }

        items.RemoveAll(i => Same(i[SortKeyName], item[SortKeyName]));
        items.Add(new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal));
    }

    private object Answer(object request) => request switch
    {
        QueryRequest q => Query(q),
        PutItemRequest p => Put(p),
        GetItemRequest g => new GetItemResponse { Item = Find(g.Key) is { } found ? Copy(found) : null },
        DeleteItemRequest d => Delete(d),
        UpdateItemRequest u => Update(u),
        BatchGetItemRequest b => BatchGet(b),
        BatchWriteItemRequest w => BatchWrite(w),
        _ => throw new NotSupportedException(request.GetType().Name),
    };

    private QueryResponse Query(QueryRequest request)
    {
        var partition = request.ExpressionAttributeValues[":tenant_pk"].S;
        var order = request.IndexName is null ? null : Indexes[request.IndexName];
        var items = (_partitions.TryGetValue(partition, out var list) ? list : [])
            .Where(i => order is null || i.ContainsKey(order))
            .ToList();
        items.Sort((a, b) => Compare(a, b, order));
        if (request.ScanIndexForward == false)
        {
            items.Reverse();
        }

        if (request.ExclusiveStartKey is { Count: > 0 } start)
        {
            Assert.Equal(partition, start[PartitionKeyName].S);
            var at = items.FindIndex(i => Same(i[SortKeyName], start[SortKeyName]));
            Assert.True(at >= 0, "ExclusiveStartKey names no item of the partition");
            items = items.Skip(at + 1).ToList();
        }

        var cap = Math.Min(request.Limit ?? int.MaxValue, PageCap);
        var page = items.Take(cap).ToList();
        var stoppedEarly = page.Count == cap;
        var last = page.Count > 0 ? page[^1] : null;
        var returned = request.FilterExpression is null ? page : page.Where(Filter).ToList();
        return new QueryResponse
        {
            Items = returned.Select(Copy).ToList(),
            Count = returned.Count,
            LastEvaluatedKey = stoppedEarly && last is not null ? KeyOf(last, order) : null,
        };
    }

    private PutItemResponse Put(PutItemRequest request)
    {
        Add(request.Item);
        return new PutItemResponse();
    }

    private DeleteItemResponse Delete(DeleteItemRequest request)
    {
        var found = Find(request.Key);
        if (found is not null)
        {
            _partitions[request.Key[PartitionKeyName].S].Remove(found);
        }

        return new DeleteItemResponse { Attributes = found };
    }

    private UpdateItemResponse Update(UpdateItemRequest request)
    {
        var found = Find(request.Key) ?? throw new InvalidOperationException("no item");
        found["updated"] = new AttributeValue { BOOL = true };
        return new UpdateItemResponse { Attributes = Copy(found) };
    }

    private BatchGetItemResponse BatchGet(BatchGetItemRequest request)
    {
        var (table, keys) = request.RequestItems.Single();
        var leave = Math.Min(LeaveUnprocessedOnce, keys.Keys.Count);
        LeaveUnprocessedOnce = 0;
        var processed = keys.Keys.Skip(leave).ToList();
        return new BatchGetItemResponse
        {
            Responses = new Dictionary<string, List<Dictionary<string, AttributeValue>>>
            {
                [table] = processed.Select(Find).Where(i => i is not null).Select(i => Copy(i!)).ToList(),
            },
            UnprocessedKeys = leave == 0 ? [] : new Dictionary<string, KeysAndAttributes> { [table] = new() { Keys = keys.Keys.Take(leave).ToList() } },
        };
    }

    private BatchWriteItemResponse BatchWrite(BatchWriteItemRequest request)
    {
        var (table, writes) = request.RequestItems.Single();
        var leave = Math.Min(LeaveUnprocessedOnce, writes.Count);
        LeaveUnprocessedOnce = 0;
        foreach (var write in writes.Skip(leave))
        {
            if (write.PutRequest is { } put)
            {
                Add(put.Item);
            }
            else if (Find(write.DeleteRequest.Key) is { } found)
            {
                _partitions[write.DeleteRequest.Key[PartitionKeyName].S].Remove(found);
            }
        }

        return new BatchWriteItemResponse
        {
            UnprocessedItems = leave == 0 ? [] : new Dictionary<string, List<WriteRequest>> { [table] = writes.Take(leave).ToList() },
        };
    }

    private Dictionary<string, AttributeValue>? Find(Dictionary<string, AttributeValue> key) =>
        _partitions.TryGetValue(key[PartitionKeyName].S, out var items) ? items.Find(i => Same(i[SortKeyName], key[SortKeyName])) : null;

    private Dictionary<string, AttributeValue> KeyOf(Dictionary<string, AttributeValue> item, string? indexSortKey)
    {
        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [PartitionKeyName] = item[PartitionKeyName],
            [SortKeyName] = item[SortKeyName],
        };
        if (indexSortKey is not null)
        {
            key[indexSortKey] = item[indexSortKey];
        }

        return key;
    }

    private int Compare(Dictionary<string, AttributeValue> a, Dictionary<string, AttributeValue> b, string? indexSortKey)
    {
        if (indexSortKey is not null)
        {
            var byIndex = CompareValues(a[indexSortKey], b[indexSortKey]);
            if (byIndex != 0)
            {
                return byIndex;
            }
        }

        return CompareValues(a[SortKeyName], b[SortKeyName]);
    }

    private static int CompareValues(AttributeValue a, AttributeValue b) =>
        a.N is not null ? decimal.Parse(a.N, System.Globalization.CultureInfo.InvariantCulture).CompareTo(decimal.Parse(b.N, System.Globalization.CultureInfo.InvariantCulture))
        : Encoding.UTF8.GetBytes(a.S).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b.S));

    private static bool Same(AttributeValue a, AttributeValue b) => CompareValues(a, b) == 0;

    private static Dictionary<string, AttributeValue> Copy(Dictionary<string, AttributeValue> item) => new(item, StringComparer.Ordinal);
}
