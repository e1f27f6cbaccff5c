using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Gateway.Migration.Copying;

/// <summary>
/// BatchWriteItem in batches of 25: <c>UnprocessedItems</c> and throttling errors are retried with exponential backoff and
/// full jitter (50 ms doubling to 5 s, at most <see cref="MaxAttempts"/> attempts per batch), and an optional write rate
/// (items/s) is respected across all concurrent batches. Puts overwrite the same key, so a repeated batch changes nothing.
/// </summary>
internal sealed class BatchWriter(IAmazonDynamoDB dynamoDb, string table, int? maxWriteRate, TimeProvider time)
{
    public const int BatchSize = 25;
    public const int MaxAttempts = 12;
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    private readonly Lock _pace = new();
    private DateTimeOffset _nextSlot;
    private long _retries;

    /// <summary>Backoff retries so far (unprocessed items or throttling).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public Task PutAsync(IReadOnlyList<Dictionary<string, AttributeValue>> items, CancellationToken cancellationToken)
        => WriteAsync(items.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i } }).ToList(), cancellationToken);

    public Task DeleteAsync(IReadOnlyList<Dictionary<string, AttributeValue>> keys, CancellationToken cancellationToken)
        => WriteAsync(keys.Select(k => new WriteRequest { DeleteRequest = new DeleteRequest { Key = k } }).ToList(), cancellationToken);

    /// <summary>Writes <paramref name="requests"/> in batches, <paramref name="parallelism"/> at a time.</summary>
    public Task WriteAsync(List<WriteRequest> requests, CancellationToken cancellationToken, int parallelism = 8)
        => Parallel.ForEachAsync(requests.Chunk(BatchSize), new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (batch, ct) => await WriteBatchAsync(batch.ToList(), ct).ConfigureAwait(false));

    private async Task WriteBatchAsync(List<WriteRequest> batch, CancellationToken cancellationToken)
    {
        await PaceAsync(batch.Count, cancellationToken).ConfigureAwait(false);
        var pending = batch;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await dynamoDb.BatchWriteItemAsync(new BatchWriteItemRequest
                {
                    RequestItems = new Dictionary<string, List<WriteRequest>> { [table] = pending },
                }, cancellationToken).ConfigureAwait(false);
                if (response.UnprocessedItems is not { Count: > 0 } unprocessed || !unprocessed.TryGetValue(table, out var left) || left.Count == 0)
                {
                    return;
                }

                pending = left;
            }
            catch (AmazonDynamoDBException e) when (IsThrottling(e) && attempt < MaxAttempts)
            {
                // the SDK's own retries are exhausted; keep backing off below
            }

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException($"BatchWriteItem on {table}: {pending.Count} items still unprocessed after {MaxAttempts} attempts (throttled); re-run to resume from the checkpoint.");
            }

            Interlocked.Increment(ref _retries);
            var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
#pragma warning disable CA5394 // jitter, not security
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), time, cancellationToken).ConfigureAwait(false);
#pragma warning restore CA5394
        }
    }

    private static bool IsThrottling(AmazonDynamoDBException e)
        => e is ProvisionedThroughputExceededException or RequestLimitExceededException || e.ErrorCode is "ThrottlingException" or "Throttling";

    /// <summary>Reserves the next send slot for <paramref name="count"/> items at <c>maxWriteRate</c> items/s and waits for it.</summary>
    private Task PaceAsync(int count, CancellationToken cancellationToken)
    {
        if (maxWriteRate is not { } rate)
        {
            return Task.CompletedTask;
        }

        DateTimeOffset slot;
        var now = time.GetUtcNow();
        lock (_pace)
        {
            slot = _nextSlot > now ? _nextSlot : now;
            _nextSlot = slot + TimeSpan.FromSeconds((double)count / rate);
        }

        var wait = slot - now;
        return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
    }
}
