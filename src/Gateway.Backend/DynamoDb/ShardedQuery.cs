using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// One query over every shard of an organization, merged: each shard is queried in its own sort-key order (in
/// parallel, at most <c>parallelism</c> at a time), and the merge repeatedly takes the smallest head (largest when
/// descending; ties by shard number), so the result is in sort-key order and each shard's items are consumed in order.
/// Every shard is asked for at most the items still missing, so no shard returns more than the page needs. The state
/// afterwards is a cursor per shard: after the last item taken from it (a key built from that item), the shard's own
/// <c>LastEvaluatedKey</c> when its page was taken whole, or done. Resuming from those cursors returns every item
/// exactly once.
/// </summary>
internal sealed class ShardedQuery
{
    private readonly IAmazonDynamoDB _client;
    private readonly Func<int, QueryRequest> _requestFor;
    private readonly IReadOnlyList<string> _partitionKeys;
    private readonly string _partitionKeyName;
    private readonly string? _orderAttribute;
    private readonly IReadOnlyList<string> _cursorKeyNames;
    private readonly bool _forward;
    private readonly int _parallelism;

    /// <param name="client">The scoped client.</param>
    /// <param name="requestFor">A fresh request for shard k (key condition bound to that shard's key).</param>
    /// <param name="partitionKeys">The partition-key value of each shard.</param>
    /// <param name="partitionKeyName">The partition-key attribute.</param>
    /// <param name="orderAttribute">The attribute the shards are ordered by (table or index sort key); null = shard order.</param>
    /// <param name="cursorKeyNames">Attributes making up an ExclusiveStartKey besides the partition key (table and index sort keys).</param>
    /// <param name="forward">Ascending (true) or descending.</param>
    /// <param name="parallelism">Most shard queries in flight.</param>
    public ShardedQuery(
        IAmazonDynamoDB client,
        Func<int, QueryRequest> requestFor,
        IReadOnlyList<string> partitionKeys,
        string partitionKeyName,
        string? orderAttribute,
        IReadOnlyList<string> cursorKeyNames,
        bool forward,
        int parallelism)
    {
        _client = client;
        _requestFor = requestFor;
        _partitionKeys = partitionKeys;
        _partitionKeyName = partitionKeyName;
        _orderAttribute = orderAttribute;
        _cursorKeyNames = cursorKeyNames;
        _forward = forward;
        _parallelism = Math.Max(1, parallelism);
    }

    /// <summary>Up to <paramref name="limit"/> items (all when null) from <paramref name="start"/>, and where to resume.</summary>
    /// <remarks>The cursors are computed only when <paramref name="wantCursors"/> (they need the key attributes).</remarks>
    public async Task<(List<Dictionary<string, AttributeValue>> Items, ShardCursor[]? Next)> RunAsync(
        IReadOnlyList<ShardCursor> start, int? limit, bool wantCursors, CancellationToken cancellationToken)
    {
        var lanes = new Lane[_partitionKeys.Count];
        for (var k = 0; k < lanes.Length; k++)
        {
            lanes[k] = new Lane(k) { Resume = start[k].StartKey, Done = start[k].Done };
        }

        var items = new List<Dictionary<string, AttributeValue>>();
        while (limit is not { } max || items.Count < max)
        {
            var empty = lanes.Where(l => !l.Done && l.Buffer.Count == 0).ToList();
            if (empty.Count > 0)
            {
                int? remaining = limit is { } l ? l - items.Count : null;
                await Parallel.ForEachAsync(
                    empty,
                    new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken },
                    async (lane, ct) => await FetchAsync(lane, remaining, ct).ConfigureAwait(false)).ConfigureAwait(false);
                continue; // a shard whose page was filtered empty but has more is fetched again before anything is taken
            }

            Lane? next = null;
            foreach (var lane in lanes)
            {
                if (lane.Buffer.Count > 0 && (next is null || Precedes(lane, next)))
                {
                    next = lane;
                }
            }

            if (next is null)
            {
                break; // every shard is done
            }

            var item = next.Buffer.Dequeue();
            next.LastTaken = item;
            next.Done = next.Buffer.Count == 0 && next.NoMore;
            items.Add(item);
        }

        return (items, wantCursors ? lanes.Select(Cursor).ToArray() : null);
    }

    private async Task FetchAsync(Lane lane, int? remaining, CancellationToken cancellationToken)
    {
        var request = _requestFor(lane.Shard);
        request.ExclusiveStartKey = lane.Resume;
        request.Limit = remaining;
        var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
        lane.PageStart = lane.Resume;
        lane.LastTaken = null;
        foreach (var item in response.Items ?? [])
        {
            lane.Buffer.Enqueue(item);
        }

        lane.NoMore = response.LastEvaluatedKey is not { Count: > 0 };
        lane.Resume = lane.NoMore ? null : response.LastEvaluatedKey;
        lane.Done = lane.NoMore && lane.Buffer.Count == 0;
    }

    /// <summary>True when <paramref name="a"/>'s head comes before <paramref name="b"/>'s.</summary>
    private bool Precedes(Lane a, Lane b)
    {
        if (_orderAttribute is not null)
        {
            var order = SortKeyComparer.Instance.Compare(Value(a.Buffer.Peek()), Value(b.Buffer.Peek()));
            if (order != 0)
            {
                return _forward ? order < 0 : order > 0;
            }
        }

        return a.Shard < b.Shard;
    }

    private AttributeValue? Value(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue(_orderAttribute!, out var value) ? value : null;

    private ShardCursor Cursor(Lane lane)
    {
        if (lane.Done)
        {
            return ShardCursor.Finished;
        }

        if (lane.Buffer.Count > 0)
        {
            // The page was taken in part: resume after the last item taken, or where this page started.
            var key = lane.LastTaken is { } taken ? KeyOf(taken, lane.Shard) : lane.PageStart;
            return key is null ? ShardCursor.Start : new ShardCursor(key, false);
        }

        return lane.Resume is null ? ShardCursor.Start : new ShardCursor(lane.Resume, false);
    }

    private Dictionary<string, AttributeValue> KeyOf(Dictionary<string, AttributeValue> item, int shard)
    {
        if (_cursorKeyNames.Count == 0)
        {
            throw new InvalidOperationException("A pagination token in the middle of a page needs the table's sort-key name (TenantTable sortKeyName).");
        }

        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [_partitionKeyName] = new AttributeValue { S = _partitionKeys[shard] },
        };
        foreach (var name in _cursorKeyNames)
        {
            if (!item.TryGetValue(name, out var value))
            {
                throw new InvalidOperationException($"An item returned by the query has no key attribute '{name}'; a pagination token cannot be written.");
            }

            key[name] = value;
        }

        return key;
    }

    private sealed class Lane(int shard)
    {
        public int Shard { get; } = shard;

        /// <summary>Where the next fetch starts (null = at the beginning).</summary>
        public Dictionary<string, AttributeValue>? Resume { get; set; }

        /// <summary>Where the page now in <see cref="Buffer"/> started.</summary>
        public Dictionary<string, AttributeValue>? PageStart { get; set; }

        /// <summary>The last item taken from the current page.</summary>
        public Dictionary<string, AttributeValue>? LastTaken { get; set; }

        /// <summary>The last page had no LastEvaluatedKey.</summary>
        public bool NoMore { get; set; }

        /// <summary>Nothing left in this shard.</summary>
        public bool Done { get; set; }

        public Queue<Dictionary<string, AttributeValue>> Buffer { get; } = new();
    }
}
