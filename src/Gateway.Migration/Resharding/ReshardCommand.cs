using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Copying;
using Gateway.Migration.Cutover;
using Gateway.Migration.Invocation;
using Gateway.Migration.Offboarding;
using Gateway.Migration.Sharding;
using Gateway.Migration.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Migration.Resharding;

/// <summary>
/// <c>reshard --organization X --shards N [--drain SECONDS]</c>: moves X's items in every configured tenant table from
/// the keys of its current shard count to those of N, with the cutover's machinery — X <c>MIGRATING</c> (its requests get
/// 503 <c>organization_migrating</c>, nobody else's), wait the gateway's status TTL + <c>--drain</c>, copy every item to the
/// key <see cref="Gateway.Backend.DynamoDb.TenantShards"/> gives it under N, validate (the old and the new keys hold the
/// same items, count and content hash; nothing else in X's keys; through the gateway's own session with N's session policy
/// the new keys readable and their look-alikes refused, <see cref="ReshardIsolation"/>), flip X's <c>shards</c>
/// to N, delete from the old keys only items whose identical copy is in the new keys, check, then <c>ACTIVE</c>.
/// The progress is on X's organizations item (<see cref="ShardState"/>): a re-run after a crash anywhere continues.
/// </summary>
internal static class ReshardCommand
{
    public static readonly string[] Options = ["--organization", "--shards", "--drain"];
    public static readonly string[] Flags = [];

    /// <summary>Named points of a reshard, in order (a test's crash hook receives them; copy and delete come once per batch).</summary>
    public static class Steps
    {
        public const string Migrating = "migrating";
        public const string Drained = "drained";
        public const string CopyBatch = "copy-batch";
        public const string Validated = "validated";
        public const string Flipped = "flipped";
        public const string DeleteBatch = "delete-batch";
        public const string Deleted = "deleted";
    }

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken, Func<string, Task>? step = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(time);
        step ??= _ => Task.CompletedTask;
        var organization = ExportCommand.Organization(line);
        var to = ShardState.ParseShards(line.Verb, "--shards", line.Required("--shards"));
        var drain = TimeSpan.FromSeconds(line.Get("--drain") is null ? 2 : line.PositiveInt("--drain", 2));
        using var services = IsolationChecker.LoadGatewayServices(line);
        var options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
        var membership = options.Membership;
        var sources = (await OrganizationData.ResolveAsync(dynamoDb, options, null, cancellationToken).ConfigureAwait(false)).Where(s => !s.Membership).ToList();
        ReshardIsolation.Readers(services, sources.Select(s => s.Table).ToList());
        var state = await ShardState.ReadAsync(dynamoDb, membership, organization, cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"reshard: organization '{organization}' is not in {membership.OrganizationsTable}");
        var c = CultureInfo.InvariantCulture;
        var started = Stopwatch.GetTimestamp();
        int from;

        // The status X keeps while its items move: MIGRATING (set below), or SUSPENDED when the operator suspended X during
        // the reshard (the runbook's first step) — the gateway refuses X either way, and a resumed reshard leaves it so.
        var held = membership.MigratingStatus;
        if (state.InProgress)
        {
            if (state.To != to)
            {
                throw new UsageException($"reshard: a reshard of '{organization}' from {state.From} to {state.To} shards is under way ({membership.StatusAttribute} {state.Status}); re-run with --shards {state.To} to finish it");
            }

            if (state.Status != membership.MigratingStatus && state.Status != EraseCommand.SuspendedStatus)
            {
                throw new UsageException($"reshard: organization '{organization}' is {state.Status} with a reshard from {state.From} to {state.To} shards under way; a reshard resumes only while it is {membership.MigratingStatus} or {EraseCommand.SuspendedStatus} (its requests refused)");
            }

            from = state.From!.Value;
            held = state.Status!;
            await stdout.WriteLineAsync(string.Create(c, $"reshard: resuming the reshard of {organization} from {from} to {to} shards ({(state.Flipped ? $"{membership.ShardsAttribute} is {to} already: deleting the old keys' items" : "copying")}){(held == membership.MigratingStatus ? string.Empty : $"; it is {held} and stays {held}")}")).ConfigureAwait(false);
        }
        else
        {
            if (state.Status != membership.ActiveStatus)
            {
                throw new UsageException($"reshard: organization '{organization}' is {state.Status}; reshard needs {membership.ActiveStatus}");
            }

            if (state.Shards == to)
            {
                await stdout.WriteLineAsync(string.Create(c, $"reshard: {organization} already has {to} shard{(to == 1 ? string.Empty : "s")}; nothing to do")).ConfigureAwait(false);
                return 0;
            }

            from = state.Shards;

            // Read-only first: anything in X's keys that the reshard could not account for stops it before X is MIGRATING.
            var preflight = await ReadAsync(dynamoDb, sources, organization, from, to, cancellationToken).ConfigureAwait(false);
            if (Conflicts(preflight) is { } conflict)
            {
                await stderr.WriteLineAsync($"reshard: refused: {organization}: {conflict}; nothing written, it stays {membership.ActiveStatus} with {from} shard{(from == 1 ? string.Empty : "s")}").ConfigureAwait(false);
                return ValidateCommand.Mismatch;
            }

            // The gateway's session for the new count, before any downtime: a role or policy that would not serve (or would
            // widen) the new keys stops it here; it is probed again after the copy, before the flip.
            var probe = await ReshardIsolation.CheckAsync(services, sources, organization, to, cancellationToken).ConfigureAwait(false);
            if (!probe.Passed)
            {
                await stderr.WriteLineAsync($"reshard: refused: {organization}: isolation probe failed: {probe.Failure()}; nothing written, it stays {membership.ActiveStatus} with {from} shard{(from == 1 ? string.Empty : "s")}").ConfigureAwait(false);
                return ValidateCommand.Mismatch;
            }

            await CutoverCommand.SetAsync(dynamoDb, membership, organization, membership.MigratingStatus, location: null, [membership.ActiveStatus],
                new CutoverCommand.RecordChange(
                    new Dictionary<string, AttributeValue> { [ShardState.FromAttribute] = Number(from), [ShardState.ToAttribute] = Number(to) },
                    [ShardState.ItemsAttribute, ShardState.HashAttribute],
                    new CutoverCommand.RecordCondition(
                        from == 1 ? "attribute_not_exists(#c0) AND (attribute_not_exists(#c1) OR #c1 = :c1)" : "attribute_not_exists(#c0) AND #c1 = :c1",
                        new Dictionary<string, string> { ["#c0"] = ShardState.ToAttribute, ["#c1"] = membership.ShardsAttribute },
                        new Dictionary<string, AttributeValue> { [":c1"] = Number(from) })),
                cancellationToken).ConfigureAwait(false);
        }

        await step(Steps.Migrating).ConfigureAwait(false);
        var wait = membership.StatusTtl + drain;
        await stdout.WriteLineAsync(string.Create(c, $"reshard: {organization} is {held} ({from} → {to} shards); waiting {wait.TotalSeconds:0.#} s (status TTL {membership.StatusTtl.TotalSeconds:0.#} s + drain {drain.TotalSeconds:0.#} s)")).ConfigureAwait(false);
        await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        await step(Steps.Drained).ConfigureAwait(false);

        if (!state.Flipped)
        {
            var layouts = await ReadAsync(dynamoDb, sources, organization, from, to, cancellationToken).ConfigureAwait(false);
            if (Conflicts(layouts) is { } conflict)
            {
                await stderr.WriteLineAsync(Stuck(organization, held, $"{conflict}; nothing written")).ConfigureAwait(false);
                return ValidateCommand.Mismatch;
            }

            var copied = 0;
            foreach (var layout in layouts)
            {
                var copies = layout.NewItems.Select(i => i.SortKey).ToHashSet(StringComparer.Ordinal);
                var puts = layout.OldItems.Where(i => !i.New && !copies.Contains(i.SortKey))
                    .Select(i => ShardLayout.At(i.Item, layout.Source.Key.PartitionKey, i.NewPlace)).ToList();
                var writer = new BatchWriter(dynamoDb, layout.Source.Table, null, time);
                foreach (var batch in puts.Chunk(BatchWriter.BatchSize))
                {
                    await writer.PutAsync(batch, cancellationToken).ConfigureAwait(false);
                    copied += batch.Length;
                    await step(Steps.CopyBatch).ConfigureAwait(false);
                }
            }

            layouts = await ReadAsync(dynamoDb, sources, organization, from, to, cancellationToken).ConfigureAwait(false);
            var oldDigest = ShardLayout.Digest(layouts.SelectMany(l => l.OldItems));
            var newDigest = ShardLayout.Digest(layouts.SelectMany(l => l.NewItems));
            var mismatch = Mismatch(layouts);
            if (mismatch is not null || !oldDigest.SameAs(newDigest))
            {
                mismatch ??= string.Create(c, $"the old keys hold {oldDigest.Count} items (hash {oldDigest.Hash}), the new keys {newDigest.Count} (hash {newDigest.Hash})");
                await stderr.WriteLineAsync(Stuck(organization, held, $"validation failed: {mismatch}; nothing deleted")).ConfigureAwait(false);
                return ValidateCommand.Mismatch;
            }

            await stdout.WriteLineAsync(string.Create(c, $"reshard: {organization}: copied {copied} items to the keys of {to} shard{(to == 1 ? string.Empty : "s")}; validated {newDigest.Count} items in {sources.Count} table{(sources.Count == 1 ? string.Empty : "s")} (old keys {oldDigest.Count}, hash {oldDigest.Hash}; new keys {newDigest.Count}, hash {newDigest.Hash})")).ConfigureAwait(false);

            // Isolation, in practice, right before the flip: the session the gateway will mint for X with N shards.
            var isolation = await ReshardIsolation.CheckAsync(services, sources, organization, to, cancellationToken).ConfigureAwait(false);
            if (!isolation.Passed)
            {
                await stderr.WriteLineAsync(Stuck(organization, held, $"isolation probe failed: {isolation.Failure()}; {membership.ShardsAttribute} not flipped, nothing deleted")).ConfigureAwait(false);
                return ValidateCommand.Mismatch;
            }

            await stdout.WriteLineAsync($"reshard: {organization}: {isolation.Summary(organization, to)}").ConfigureAwait(false);
            await step(Steps.Validated).ConfigureAwait(false);

            // The flip: the gateway serves the new keys once X is ACTIVE again; the validated totals go with it, for a resumed run's final check.
            await CutoverCommand.SetAsync(dynamoDb, membership, organization, status: null, location: null, [held],
                new CutoverCommand.RecordChange(
                    new Dictionary<string, AttributeValue>
                    {
                        [membership.ShardsAttribute] = Number(to),
                        [ShardState.ItemsAttribute] = new AttributeValue { N = newDigest.Count.ToString(c) },
                        [ShardState.HashAttribute] = new AttributeValue { S = newDigest.Hash },
                    },
                    [],
                    ToCondition(to)),
                cancellationToken).ConfigureAwait(false);
            state = state with { Shards = to, From = from, To = to, ValidatedItems = newDigest.Count, ValidatedHash = newDigest.Hash };
            await step(Steps.Flipped).ConfigureAwait(false);
        }

        // Delete from the old keys only items whose identical copy is where the new shard count places them.
        var current = await ReadAsync(dynamoDb, sources, organization, from, to, cancellationToken).ConfigureAwait(false);
        if (Uncopied(current) is { } uncopied)
        {
            await stderr.WriteLineAsync(Stuck(organization, held, $"{uncopied}; nothing deleted")).ConfigureAwait(false);
            return ValidateCommand.Mismatch;
        }

        var deleted = 0;
        foreach (var layout in current)
        {
            var keys = layout.OldItems.Where(i => !i.New).Select(i => layout.Source.KeyOf(i.Item)).ToList();
            var writer = new BatchWriter(dynamoDb, layout.Source.Table, null, time);
            foreach (var batch in keys.Chunk(BatchWriter.BatchSize))
            {
                await writer.DeleteAsync(batch, cancellationToken).ConfigureAwait(false);
                deleted += batch.Length;
                await step(Steps.DeleteBatch).ConfigureAwait(false);
            }
        }

        await step(Steps.Deleted).ConfigureAwait(false);
        var final = await ReadAsync(dynamoDb, sources, organization, from, to, cancellationToken).ConfigureAwait(false);
        var served = ShardLayout.Digest(final.SelectMany(l => l.NewItems));
        var left = final.Sum(l => l.Items.Count(i => !i.New));
        if (left > 0 || served.Count != state.ValidatedItems || served.Hash != state.ValidatedHash)
        {
            await stderr.WriteLineAsync(Stuck(organization, held, string.Create(c, $"after the deletion the new keys hold {served.Count} items (hash {served.Hash}), validated were {state.ValidatedItems} (hash {state.ValidatedHash}), and {left} items are elsewhere in its keys"))).ConfigureAwait(false);
            return ValidateCommand.Mismatch;
        }

        var migrating = held == membership.MigratingStatus;
        await CutoverCommand.SetAsync(dynamoDb, membership, organization, migrating ? membership.ActiveStatus : null, location: null, [held],
            new CutoverCommand.RecordChange(new Dictionary<string, AttributeValue>(), ShardState.ProgressAttributes, ToCondition(to)), cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"reshard: {organization} is {(migrating ? membership.ActiveStatus : held)} with {to} shard{(to == 1 ? string.Empty : "s")} ({served.Count} items, hash {served.Hash}; {deleted} deleted from the old keys); {(migrating ? $"{membership.MigratingStatus} for {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s" : $"left {held}, as the operator set it")}")).ConfigureAwait(false);
        return 0;
    }

    private static async Task<List<ShardLayout>> ReadAsync(IAmazonDynamoDB dynamoDb, List<DataSource> sources, string organization, int from, int to, CancellationToken cancellationToken)
    {
        var layouts = new List<ShardLayout>(sources.Count);
        foreach (var source in sources)
        {
            layouts.Add(await ShardLayout.ReadAsync(dynamoDb, source, organization, from, to, cancellationToken).ConfigureAwait(false));
        }

        return layouts;
    }

    /// <summary>Before the flip: items in X's keys that are neither where the old count places them nor an identical copy of such an item where the new count does.</summary>
    private static string? Conflicts(IReadOnlyList<ShardLayout> layouts)
    {
        foreach (var layout in layouts)
        {
            if (layout.Strays.FirstOrDefault() is { } stray)
            {
                return $"{layout.Strays.Count()} items in {layout.Source.Table} are in a key neither shard count places them in (e.g. {stray.Partition} / {stray.SortKey}); remove or move them first";
            }

            var old = layout.OldItems.ToDictionary(i => i.SortKey, StringComparer.Ordinal);
            var foreign = layout.NewItems.Where(i => !i.Old && (!old.TryGetValue(i.SortKey, out var o) || !o.Hash.AsSpan().SequenceEqual(i.Hash))).ToList();
            if (foreign.Count > 0)
            {
                return $"{foreign.Count} items in {layout.Source.Table} are in the new keys but are no copy of its items (e.g. {foreign[0].Partition} / {foreign[0].SortKey}); they would be overwritten: remove them first";
            }
        }

        return null;
    }

    /// <summary>After the copy: the old and the new keys must hold the same items (sort key and content), nothing else.</summary>
    private static string? Mismatch(IReadOnlyList<ShardLayout> layouts)
    {
        if (Conflicts(layouts) is { } conflict)
        {
            return conflict;
        }

        foreach (var layout in layouts)
        {
            var copies = layout.NewItems.ToDictionary(i => i.SortKey, StringComparer.Ordinal);
            var missing = layout.OldItems.Where(i => !copies.ContainsKey(i.SortKey)).ToList();
            if (missing.Count > 0)
            {
                return $"{missing.Count} items of {layout.Source.Table} have no copy in the new keys (e.g. {missing[0].Partition} / {missing[0].SortKey})";
            }
        }

        return null;
    }

    /// <summary>After the flip: every item still in an old key (and not where the new count places it) must have its identical copy in the new keys.</summary>
    private static string? Uncopied(IReadOnlyList<ShardLayout> layouts)
    {
        foreach (var layout in layouts)
        {
            if (layout.Strays.FirstOrDefault() is { } stray)
            {
                return $"{layout.Strays.Count()} items in {layout.Source.Table} are in a key neither shard count places them in (e.g. {stray.Partition} / {stray.SortKey})";
            }

            var copies = layout.NewItems.ToDictionary(i => i.SortKey, StringComparer.Ordinal);
            var uncopied = layout.OldItems.Where(i => !i.New && (!copies.TryGetValue(i.SortKey, out var n) || !n.Hash.AsSpan().SequenceEqual(i.Hash))).ToList();
            if (uncopied.Count > 0)
            {
                return $"{uncopied.Count} items in the old keys of {layout.Source.Table} have no identical copy in the new keys (e.g. {uncopied[0].Partition} / {uncopied[0].SortKey}; written after the validation?)";
            }
        }

        return null;
    }

    private static string Stuck(string organization, string held, string cause)
        => $"reshard: {organization}: {cause}; it stays {held} (its requests {(held == EraseCommand.SuspendedStatus ? "get 403 organization_suspended" : "get 503 organization_migrating")}): find the cause, then re-run the same reshard command to continue";

    private static CutoverCommand.RecordCondition ToCondition(int to) => new(
        "#c0 = :c0",
        new Dictionary<string, string> { ["#c0"] = ShardState.ToAttribute },
        new Dictionary<string, AttributeValue> { [":c0"] = Number(to) });

    private static AttributeValue Number(int value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
