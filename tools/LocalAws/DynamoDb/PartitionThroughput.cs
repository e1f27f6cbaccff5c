using System.Collections.Concurrent;

namespace LocalAws.DynamoDb;

/// <summary>
/// DynamoDB's per-partition-key ceiling, made visible locally: each partition key value of a table (or of an index,
/// whose partitions are its own) gets <see cref="PartitionThroughputOptions.WriteUnitsPerSecond"/> write units and
/// <see cref="PartitionThroughputOptions.ReadUnitsPerSecond"/> read units per whole second of the wall clock. A request
/// whose key is over budget in that second is refused before it reaches the upstream with
/// <c>ProvisionedThroughputExceededException</c> (nothing written); another key is untouched.
/// </summary>
/// <remarks>
/// Units as DynamoDB counts them: a write costs 1 unit per started KB of the item (its JSON length here: LocalAws does not
/// recompute DynamoDB's item size), at least 1; UpdateItem and DeleteItem cost 1. A read costs 1 unit per started 4 KB
/// read (the upstream's response length), half of that when eventually consistent (the default of GetItem, BatchGetItem
/// and Query). Writes are charged before they run (a write that does not fit the second's remainder is refused); reads
/// reserve their minimum (1 or ½ unit) when admitted and are charged the rest of what they read afterwards, so a large
/// Query can take a key past its budget and the key's next reads that second are refused, as DynamoDB's partitions do. Scan
/// names no key and is not charged. The window is a fixed whole second (DynamoDB's burst capacity is not modelled).
/// </remarks>
internal sealed class PartitionThroughput(PartitionThroughputOptions options, TimeProvider wallClock)
{
    /// <summary>Windows kept before stale ones are swept.</summary>
    private const int SweepThreshold = 100_000;

    private readonly ConcurrentDictionary<(string Resource, string Key), Window> _windows = new();
    private long _throttled;

    public PartitionThroughputOptions Options => options;

    public bool Enabled => options.Enabled;

    /// <summary>Requests refused with ProvisionedThroughputExceededException since start.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>
    /// Charges every write and checks every read of a request; false (nothing charged) when one key is over its budget.
    /// </summary>
    public bool TryAdmit(IReadOnlyList<PartitionCharge> charges)
    {
        if (!options.Enabled || charges.Count == 0)
        {
            return true;
        }

        var second = wallClock.GetUtcNow().ToUnixTimeSeconds();
        var windows = new Window[charges.Count];
        for (var i = 0; i < charges.Count; i++)
        {
            windows[i] = _windows.GetOrAdd((charges[i].Resource, charges[i].Key), static _ => new Window());
        }

        // One lock at a time, in a fixed order, so two requests over the same keys cannot deadlock; a refusal undoes
        // what this request charged.
        var charged = new List<(Window Window, long Units, bool IsWrite)>(charges.Count);
        var admitted = true;
        for (var i = 0; i < charges.Count && admitted; i++)
        {
            var charge = charges[i];
            var window = windows[i];
            lock (window)
            {
                window.Roll(second);
                if (charge.IsWrite)
                {
                    if (window.WriteUnits + charge.WriteUnits > options.WriteUnitsPerSecond)
                    {
                        admitted = false;
                    }
                    else
                    {
                        window.WriteUnits += charge.WriteUnits;
                        charged.Add((window, charge.WriteUnits, true));
                    }
                }
                else if (window.ReadHalfUnits >= 2L * options.ReadUnitsPerSecond)
                {
                    admitted = false;
                }
                else
                {
                    window.ReadHalfUnits += charge.ReadHalfUnits;
                    charged.Add((window, charge.ReadHalfUnits, false));
                }
            }
        }

        if (!admitted)
        {
            foreach (var (window, units, isWrite) in charged)
            {
                lock (window)
                {
                    if (window.Second == second)
                    {
                        if (isWrite) { window.WriteUnits -= units; }
                        else { window.ReadHalfUnits -= units; }
                    }
                }
            }

            Interlocked.Increment(ref _throttled);
        }

        if (_windows.Count > SweepThreshold)
        {
            Sweep(second);
        }

        return admitted;
    }

    /// <summary>Charges what a read consumed (<paramref name="bytesRead"/>, split evenly over the keys it named) beyond what it reserved.</summary>
    public void ChargeRead(IReadOnlyList<PartitionCharge> reads, long bytesRead, bool consistent)
    {
        if (!options.Enabled || reads.Count == 0)
        {
            return;
        }

        // Units of 4 KB, at least one; eventually consistent reads cost half (counted in half units).
        var units = Math.Max(1, (bytesRead + 4095) / 4096);
        var halfUnits = consistent ? 2 * units : units;
        var perKey = Math.Max(1, halfUnits / reads.Count);
        var second = wallClock.GetUtcNow().ToUnixTimeSeconds();
        foreach (var read in reads)
        {
            var extra = perKey - read.ReadHalfUnits;
            if (extra <= 0)
            {
                continue;
            }

            var window = _windows.GetOrAdd((read.Resource, read.Key), static _ => new Window());
            lock (window)
            {
                window.Roll(second);
                window.ReadHalfUnits += extra;
            }
        }
    }

    private void Sweep(long second)
    {
        foreach (var (key, window) in _windows)
        {
            if (Volatile.Read(ref window.Second) < second - 1)
            {
                _windows.TryRemove(key, out _);
            }
        }
    }

    private sealed class Window
    {
        public long Second;
        public long WriteUnits;
        public long ReadHalfUnits;

        public void Roll(long second)
        {
            if (Second != second)
            {
                Second = second;
                WriteUnits = 0;
                ReadHalfUnits = 0;
            }
        }
    }
}

/// <summary>One partition key value a request touches: the table or index ARN, the key value, for a write its units, for a
/// read the half units it reserves (2 strongly consistent, 1 eventually consistent).</summary>
internal readonly record struct PartitionCharge(string Resource, string Key, bool IsWrite, long WriteUnits, long ReadHalfUnits = 0);

/// <summary>LocalAws's per-partition-key budget (<c>--partition-write-units</c>, <c>--partition-read-units</c>, <c>--no-partition-throughput</c>).</summary>
internal sealed record PartitionThroughputOptions
{
    public const int DefaultWriteUnits = 1_000;
    public const int DefaultReadUnits = 3_000;

    public bool Enabled { get; init; } = true;

    public int WriteUnitsPerSecond { get; init; } = DefaultWriteUnits;

    public int ReadUnitsPerSecond { get; init; } = DefaultReadUnits;
}
