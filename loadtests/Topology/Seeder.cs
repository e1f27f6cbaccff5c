using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using LoadTests.Progress;

namespace LoadTests.Topology;

/// <summary>
/// Seeds load-test tenants through the AWS SDK with LocalAws's admin key (BatchWriteItem, 25 items per call, bounded
/// parallelism, unprocessed items retried): per organization an <c>Organizations</c> item and the owner's
/// <c>OrganizationUsers</c> membership (ADMINISTRATOR); the first <see cref="ApplicationsUpTo"/> organizations also get one
/// application. Organizations 1..<see cref="Seeded"/> exist; growing is incremental.
/// </summary>
internal sealed class Seeder : IDisposable
{
    public const string AdminAccessKey = "AKIALOCALADMIN000001";
    public const string AdminSecretKey = "local-admin-secret";
    public const int ApplicationsUpTo = 2000;

    private readonly AmazonDynamoDBClient _client;
    private readonly IRunProgress _progress;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _written;

    public Seeder(Uri localAws, IRunProgress progress)
    {
        _progress = progress;
        _client = new AmazonDynamoDBClient(
            new BasicAWSCredentials(AdminAccessKey, AdminSecretKey),
            new AmazonDynamoDBConfig
            {
                ServiceURL = localAws.ToString(),
                AuthenticationRegion = "us-east-1",
                MaxErrorRetry = 5,
                Timeout = TimeSpan.FromSeconds(30),
            });
    }

    /// <summary>Organizations 1..Seeded exist.</summary>
    public int Seeded { get; private set; }

    /// <summary>Makes sure organizations 1..<paramref name="count"/> exist.</summary>
    public async Task EnsureAsync(int count, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (count > Seeded)
            {
                await SeedRangeAsync(Seeded + 1, count, cancellationToken).ConfigureAwait(false);
                Seeded = count;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Seeds <paramref name="count"/> organizations nobody has used yet and returns their indexes.</summary>
    public async Task<IReadOnlyList<int>> AllocateFreshAsync(int count, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var first = Seeded + 1;
            await SeedRangeAsync(first, Seeded + count, cancellationToken).ConfigureAwait(false);
            Seeded += count;
            return Enumerable.Range(first, count).ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sets the <c>tier</c> attribute (<c>TenantIsolation:Membership:TierAttribute</c>'s default) of organization
    /// <paramref name="index"/>'s Organizations item; do it before the gateway first reads the organization (it caches the record).
    /// </summary>
    public async Task SetTierAsync(int index, string tier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tier);
        await _client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Organizations",
            Key = new(StringComparer.Ordinal) { ["organizationId"] = new() { S = Tenants.Organization(index) } },
            UpdateExpression = "SET #tier = :tier",
            ExpressionAttributeNames = new(StringComparer.Ordinal) { ["#tier"] = "tier" },
            ExpressionAttributeValues = new(StringComparer.Ordinal) { [":tier"] = new() { S = tier } },
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds members (<c>OrganizationUsers</c> items with <paramref name="role"/>) to already seeded organizations.</summary>
    public async Task AddMembersAsync(IReadOnlyList<(int Organization, string User)> members, string role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(members);
        var items = members.Select(m => ("OrganizationUsers", new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["userId"] = new() { S = m.User },
            ["organizationId"] = new() { S = Tenants.Organization(m.Organization) },
            ["role"] = new() { S = role },
        })).Chunk(25).ToList();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _written, 0);
            var work = Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = cancellationToken },
                async (chunk, ct) => await WriteBatchAsync(chunk, ct).ConfigureAwait(false));
            await _progress.TrackCountAsync($"Seeding {members.Count} memberships", members.Count, () => Interlocked.Read(ref _written), work).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Puts <paramref name="items"/> (all of one partition key value) into <paramref name="table"/> at most
    /// <paramref name="unitsPerSecond"/> write units a second (1 per started KB of the item's JSON, as LocalAws counts), so a
    /// scaled-down per-key budget admits them: one BatchWriteItem per second; a throttled batch is sent again after 1 s (at
    /// most 20 attempts each).
    /// </summary>
    public async Task PutPacedAsync(string table, IReadOnlyList<Dictionary<string, AttributeValue>> items, int unitsPerSecond, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var batches = new List<List<Dictionary<string, AttributeValue>>>();
        var units = 0;
        foreach (var item in items)
        {
            var cost = Math.Max(1, (System.Text.Json.JsonSerializer.Serialize(item.ToDictionary(a => a.Key, a => a.Value.S ?? a.Value.N ?? string.Empty)).Length + 1023) / 1024);
            if (batches.Count == 0 || units + cost > unitsPerSecond || batches[^1].Count == 25)
            {
                batches.Add([]);
                units = 0;
            }

            batches[^1].Add(item);
            units += cost;
        }

        foreach (var batch in batches)
        {
            for (var attempt = 1; ; attempt++)
            {
                var second = Task.Delay(TimeSpan.FromSeconds(1.05), cancellationToken);
                try
                {
                    await WriteBatchAsync([.. batch.Select(i => (table, i))], cancellationToken).ConfigureAwait(false);
                    await second.ConfigureAwait(false);
                    break;
                }
                catch (ProvisionedThroughputExceededException) when (attempt < 20)
                {
                    await second.ConfigureAwait(false);
                }
            }
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _gate.Dispose();
    }

    private async Task SeedRangeAsync(int first, int last, CancellationToken cancellationToken)
    {
        var items = Items(first, last).Chunk(25).ToList();
        var total = items.Sum(c => (long)c.Length);
        Interlocked.Exchange(ref _written, 0);
        var work = Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = cancellationToken },
            async (chunk, ct) => await WriteBatchAsync(chunk, ct).ConfigureAwait(false));
        await _progress.TrackCountAsync($"Seeding organizations {Tenants.Organization(first)}..{Tenants.Organization(last)}", total,
            () => Interlocked.Read(ref _written), work).ConfigureAwait(false);
    }

    private async Task WriteBatchAsync((string Table, Dictionary<string, AttributeValue> Item)[] chunk, CancellationToken cancellationToken)
    {
        var requests = chunk.GroupBy(i => i.Table, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i.Item } }).ToList(), StringComparer.Ordinal);
        for (var attempt = 0; requests.Count > 0; attempt++)
        {
            if (attempt >= 10)
            {
                throw new InvalidOperationException("Seeding: items stayed unprocessed after 10 attempts.");
            }

            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }

            var sent = requests.Sum(r => r.Value.Count);
            var response = await _client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = requests }, cancellationToken).ConfigureAwait(false);
            requests = response.UnprocessedItems?.Where(p => p.Value is { Count: > 0 }).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
                ?? [];
            Interlocked.Add(ref _written, sent - requests.Sum(r => r.Value.Count));
        }
    }

    private static IEnumerable<(string Table, Dictionary<string, AttributeValue> Item)> Items(int first, int last)
    {
        var now = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = first; i <= last; i++)
        {
            var org = Tenants.Organization(i);
            var user = Tenants.User(i);
            yield return ("Organizations", new(StringComparer.Ordinal)
            {
                ["organizationId"] = new() { S = org },
                ["name"] = new() { S = "Load test organization " + org },
                ["ownerId"] = new() { S = user },
                ["status"] = new() { S = "ACTIVE" },
            });
            yield return ("OrganizationUsers", new(StringComparer.Ordinal)
            {
                ["userId"] = new() { S = user },
                ["organizationId"] = new() { S = org },
                ["role"] = new() { S = "ADMINISTRATOR" },
            });
            if (i <= ApplicationsUpTo)
            {
                yield return ("Applications", new(StringComparer.Ordinal)
                {
                    ["organizationId"] = new() { S = org },
                    ["applicationId"] = new() { S = "app-" + org },
                    ["name"] = new() { S = "Private app of " + org },
                    ["createdAt"] = new() { S = now },
                    ["createdBy"] = new() { S = user },
                });
            }
        }
    }
}
