using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Copying;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Planning;
using Gateway.Migration.Sharding;
using Gateway.Migration.Validation;
using Gateway.Policies;

namespace Gateway.Migration.Cutover;

/// <summary>
/// <c>cutover --organization X [--drain SECONDS] [--report FILE]</c>: sets X's status to <c>MIGRATING</c> (the gateway
/// answers X 503 <c>organization_migrating</c>; nobody else is touched), waits the gateway's status TTL
/// (<c>TenantIsolation:Membership:StatusTtl</c>) plus <c>--drain</c> (default 2 s) so that no request routed before the
/// change still writes to legacy, copies the delta (re-compares X: puts what is missing or different in the target,
/// deletes what legacy no longer has), validates X (count, hash, isolation), then sets X <c>ACTIVE</c> with
/// <c>dataLocation = PARTITIONED</c>: the gateway routes it to the isolated cluster. If validation fails X goes back
/// to <c>ACTIVE</c> on legacy and the exit code is 1.
/// <c>rollback --organization X</c>: <c>ACTIVE</c> with <c>dataLocation = LEGACY</c> (routing only; see docs/migration.md).
/// </summary>
internal static class CutoverCommand
{
    public const string DiscardConflictsFlag = "--discard-target-conflicts";
    public static readonly string[] Options = ["--organization", "--drain", "--report", "--segments"];
    public static readonly string[] Flags = [DiscardConflictsFlag];
    public const string HideTargetWritesFlag = "--hide-target-writes";
    public static readonly string[] RollbackOptions = ["--organization", "--drain", "--segments"];
    public static readonly string[] RollbackFlags = [HideTargetWritesFlag];

    public static async Task<int> CutoverAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var plan = await MigrationPlan.ReadAsync(line.PlanPath, cancellationToken).ConfigureAwait(false);
        var organization = Organization(line, plan);
        var drain = TimeSpan.FromSeconds(line.Get("--drain") is null ? 2 : line.PositiveInt("--drain", 2));
        var segments = line.PositiveInt("--segments", 4);
        await ValidationState.ReadAsync(line.PlanPath, ValidationState.PlanIdOf(plan), cancellationToken).ConfigureAwait(false); // unreadable → bad input, before any work
        using var isolation = IsolationChecker.Create(line, plan);
        var membership = isolation.Options.Membership;
        var (status, location) = await ReadStatusAsync(dynamoDb, membership, organization, cancellationToken).ConfigureAwait(false);
        if (status != membership.ActiveStatus && status != membership.MigratingStatus)
        {
            throw new UsageException($"cutover: organization '{organization}' is {status ?? "not in " + membership.OrganizationsTable}; cutover needs {membership.ActiveStatus}");
        }

        if (string.Equals(location, membership.PartitionedLocation, StringComparison.Ordinal))
        {
            // A second delta copy would delete every write made in the partitioned table since the first cutover.
            throw new UsageException($"cutover: organization '{organization}' is already on the partitioned table; run rollback first to migrate it again");
        }

        await RequireUnshardedAsync("cutover", dynamoDb, membership, organization, cancellationToken).ConfigureAwait(false);

        var c = CultureInfo.InvariantCulture;
        var started = Stopwatch.GetTimestamp();
        await SetAsync(dynamoDb, membership, organization, membership.MigratingStatus, location: null, [membership.ActiveStatus, membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
        var wait = membership.StatusTtl + drain;
        await stdout.WriteLineAsync(string.Create(c, $"cutover: {organization} is {membership.MigratingStatus}; waiting {wait.TotalSeconds:0.#} s (status TTL {membership.StatusTtl.TotalSeconds:0.#} s + drain {drain.TotalSeconds:0.#} s)")).ConfigureAwait(false);
        await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);

        var delta = await CopyDeltaAsync(dynamoDb, plan, line.PlanPath, organization, segments, line.Has(DiscardConflictsFlag), time, cancellationToken).ConfigureAwait(false);
        if (delta.Conflicts.Count > 0 && !delta.ConflictsDiscarded)
        {
            // Nothing was written or deleted: items the migration did not write belong to someone.
            await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, location: null, [membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
            await stderr.WriteLineAsync(string.Create(c, $"cutover: {organization}: {delta.Conflicts.Count} target items were not written by the migration and differ from legacy ({Describe(delta.Conflicts)}); nothing written or deleted, it stays on legacy and is {membership.ActiveStatus} again. Copy them to legacy or remove them yourself, or re-run with {DiscardConflictsFlag} to replace them with legacy's items")).ConfigureAwait(false);
            return ValidateCommand.Mismatch;
        }

        await stdout.WriteLineAsync(string.Create(c, $"cutover: delta for {organization}: {delta.Put} items written, {delta.Deleted} deleted{(delta.ConflictsDiscarded ? $" ({delta.Conflicts.Count} conflicting target items replaced or deleted: {DiscardConflictsFlag})" : string.Empty)}")).ConfigureAwait(false);

        var results = await Validator.ValidateAsync(dynamoDb, plan, [organization], isolation, segments, cancellationToken).ConfigureAwait(false);
        if (line.Get("--report") is { } report)
        {
            await new ValidationReport(plan.SourceTable, plan.TargetTable, time.GetUtcNow(), Stopwatch.GetElapsedTime(started), results).WriteAsync(report, cancellationToken).ConfigureAwait(false);
        }

        var result = results[0];
        if (!result.Passed)
        {
            await ValidationState.RecordAsync(line.PlanPath, ValidationState.PlanIdOf(plan), results, time.GetUtcNow(), cutover: false, cancellationToken).ConfigureAwait(false);
            await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, location: null, [membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
            await stderr.WriteLineAsync(string.Create(c, $"cutover: {organization} failed validation ({result.Cause}); it stays on legacy and is {membership.ActiveStatus} again")).ConfigureAwait(false);
            return ValidateCommand.Mismatch;
        }

        await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, membership.PartitionedLocation, [membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
        // Recorded once the gateway serves the partitioned table: cleanup needs "validated at its cutover".
        await ValidationState.RecordAsync(line.PlanPath, ValidationState.PlanIdOf(plan), results, time.GetUtcNow(), cutover: true, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"cutover: {organization} validated ({result.TargetItems} items, isolation passed) and {membership.ActiveStatus} on the partitioned table; {membership.MigratingStatus} for {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s")).ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> RollbackAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var plan = await MigrationPlan.ReadAsync(line.PlanPath, cancellationToken).ConfigureAwait(false);
        var organization = Organization(line, plan);
        var drain = TimeSpan.FromSeconds(line.Get("--drain") is null ? 2 : line.PositiveInt("--drain", 2));
        var segments = line.PositiveInt("--segments", 4);
        var hide = line.Has(HideTargetWritesFlag);
        using var isolation = IsolationChecker.Create(line, plan);
        var membership = isolation.Options.Membership;
        var (status, location) = await ReadStatusAsync(dynamoDb, membership, organization, cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            throw new UsageException($"rollback: organization '{organization}' is not in {membership.OrganizationsTable}");
        }

        await RequireUnshardedAsync("rollback", dynamoDb, membership, organization, cancellationToken).ConfigureAwait(false);
        var c = CultureInfo.InvariantCulture;
        var partitioned = string.Equals(location, membership.PartitionedLocation, StringComparison.Ordinal);
        if (status != membership.ActiveStatus && status != membership.MigratingStatus)
        {
            // Only the routing goes back: a suspended organization stays suspended (and gets no writes meanwhile).
            if (partitioned && !hide && await HiddenWritesAsync(dynamoDb, plan, organization, segments, cancellationToken).ConfigureAwait(false) is { Count: > 0 } hidden)
            {
                await stderr.WriteLineAsync(string.Create(c, $"rollback: refused: {Hidden(organization, hidden)}; it stays on the partitioned table and {status}")).ConfigureAwait(false);
                return ValidateCommand.Mismatch;
            }

            await SetAsync(dynamoDb, membership, organization, status: null, membership.LegacyLocation, [status], cancellationToken).ConfigureAwait(false);
            await ValidationState.RecordRollbackAsync(line.PlanPath, ValidationState.PlanIdOf(plan), organization, cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync($"rollback: {organization} is routed to legacy again and stays {status}").ConfigureAwait(false);
            return 0;
        }

        if (partitioned && !hide)
        {
            // Writes made on the partitioned table since the cutover would vanish from the organization's view on legacy:
            // stop them (MIGRATING, the same wait as cutover), then look.
            await SetAsync(dynamoDb, membership, organization, membership.MigratingStatus, location: null, [membership.ActiveStatus, membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
            var wait = membership.StatusTtl + drain;
            await stdout.WriteLineAsync(string.Create(c, $"rollback: {organization} is {membership.MigratingStatus}; waiting {wait.TotalSeconds:0.#} s, then comparing the partitioned table with legacy")).ConfigureAwait(false);
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            var hidden = await HiddenWritesAsync(dynamoDb, plan, organization, segments, cancellationToken).ConfigureAwait(false);
            if (hidden.Count > 0)
            {
                await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, location: null, [membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
                await stderr.WriteLineAsync(string.Create(c, $"rollback: refused: {Hidden(organization, hidden)}; it stays {membership.ActiveStatus} on the partitioned table")).ConfigureAwait(false);
                return ValidateCommand.Mismatch;
            }
        }

        await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, membership.LegacyLocation, [membership.ActiveStatus, membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
        await ValidationState.RecordRollbackAsync(line.PlanPath, ValidationState.PlanIdOf(plan), organization, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"rollback: {organization} is {membership.ActiveStatus} on legacy again (the gateway routes it to the legacy cluster within {membership.StatusTtl.TotalSeconds:0.#} s)").ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Cutover and rollback compare and move only the unsharded key <c>{organization}</c> (legacy has no shards): an
    /// organization resharded on the partitioned table, or with a reshard under way, is refused before anything changes —
    /// a cutover's delta would be written where nothing reads it, and a rollback would find no writes legacy lacks in the
    /// bare key and route the organization away from the ones in its shard keys. Reshard it to 1 first.
    /// </summary>
    /// <exception cref="UsageException">Sharded or resharding (exit 2, nothing written).</exception>
    private static Task RequireUnshardedAsync(string verb, IAmazonDynamoDB dynamoDb, MembershipOptions membership, string organization, CancellationToken cancellationToken)
        => ShardState.RequireUnshardedAsync(verb, dynamoDb, membership, [organization],
            o => $"{verb} moves only the unsharded key {o} (legacy has no shards) and would lose what is in its shard keys; nothing changed", cancellationToken);

    /// <summary>Target keys of <paramref name="organization"/> that legacy lacks or holds with other content (writes made on the partitioned table).</summary>
    private static async Task<IReadOnlyList<string>> HiddenWritesAsync(IAmazonDynamoDB dynamoDb, MigrationPlan plan, string organization, int segments, CancellationToken cancellationToken)
    {
        var legacy = (await Snapshots.ReadLegacyAsync(dynamoDb, plan, [organization], segments, cancellationToken).ConfigureAwait(false))[organization];
        var target = (await Snapshots.ReadTargetAsync(dynamoDb, plan, [organization], segments, cancellationToken).ConfigureAwait(false))[organization];
        return target.Items.Where(t => !legacy.Items.TryGetValue(t.Key, out var l) || !l.AsSpan().SequenceEqual(t.Value)).Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
    }

    private static string Hidden(string organization, IReadOnlyList<string> hidden)
        => string.Create(CultureInfo.InvariantCulture, $"{organization} has {hidden.Count} items on the partitioned table that legacy lacks or holds with other content (written since its cutover, e.g. {hidden[0]}); on legacy they would vanish from its view. Copy them to legacy first, or re-run with {HideTargetWritesFlag} (they stay in the partitioned table)");

    /// <summary>The delta of one organization: what was put and deleted, and the target items the migration did not write that differ from legacy.</summary>
    public sealed record Delta(int Put, int Deleted, IReadOnlyList<(string Key, string Why)> Conflicts, bool ConflictsDiscarded);

    public const string OnlyInTarget = "only in the target";
    public const string ChangedInTarget = "changed in the target";

    /// <summary>
    /// Re-compares one organization. Puts legacy items missing in the target, and legacy items that differ from a target
    /// item the migration wrote (the ledger names it with its current hash); deletes target items the migration wrote that
    /// legacy no longer has. Any other target item that differs from legacy — only in the target, or changed there since
    /// the migration wrote it — is a conflict: with conflicts nothing is written or deleted unless
    /// <paramref name="discardConflicts"/>, which replaces them with legacy's items (and deletes the target-only ones).
    /// </summary>
    public static async Task<Delta> CopyDeltaAsync(IAmazonDynamoDB dynamoDb, MigrationPlan plan, string planPath, string organization, int segments, bool discardConflicts, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var mapper = plan.Mapper();
        var quarantined = plan.Quarantine.Select(q => q.Key).ToHashSet(StringComparer.Ordinal);
        var legacy = new Dictionary<string, (string Hash, Dictionary<string, AttributeValue> Item)>(StringComparer.Ordinal);
        await foreach (var page in Tables.ScanAsync(dynamoDb, plan.SourceTable, segments, null, null, new ScanFilter(plan.OrganizationAttribute, organization), cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                if (mapper.TryGetOrganization(item, out var o, out _) && o == organization && !quarantined.Contains(ItemCodec.KeyString(item, mapper.Source.Names))
                    && mapper.ToTarget(item, organization, out _) is { } target)
                {
                    legacy[ItemCodec.KeyString(target, mapper.Target.Names)] = (Convert.ToHexString(ItemCodec.Hash(target)), target);
                }
            }
        }

        var copied = await CopyLedger.ReadAsync(planPath, plan.TargetTable, organization, cancellationToken).ConfigureAwait(false);
        var puts = new List<(string Key, string Hash, Dictionary<string, AttributeValue> Item)>();
        var deletes = new List<(string Key, Dictionary<string, AttributeValue> TargetKey)>();
        var conflicts = new List<(string Key, string Why)>();
        var adopted = new List<CopyLedger.Entry>();
        var inTarget = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in Snapshots.QueryAsync(dynamoDb, plan.TargetTable, plan.TargetKey.PartitionKey, organization, cancellationToken).ConfigureAwait(false))
        {
            var key = ItemCodec.KeyString(item, plan.TargetKey.Names);
            var hash = Convert.ToHexString(ItemCodec.Hash(item));
            inTarget.Add(key);
            var ours = copied.TryGetValue(key, out var written) && written == hash;
            if (legacy.TryGetValue(key, out var l))
            {
                if (l.Hash == hash)
                {
                    if (!ours)
                    {
                        adopted.Add(new CopyLedger.Entry(organization, key, hash)); // the same content as legacy: the migration's from now on
                    }
                }
                else if (ours || discardConflicts)
                {
                    puts.Add((key, l.Hash, l.Item));
                    if (!ours)
                    {
                        conflicts.Add((key, ChangedInTarget));
                    }
                }
                else
                {
                    conflicts.Add((key, ChangedInTarget));
                }
            }
            else
            {
                if (ours || discardConflicts)
                {
                    deletes.Add((key, mapper.TargetKey(item)));
                }

                if (!ours)
                {
                    conflicts.Add((key, OnlyInTarget));
                }
            }
        }

        puts.AddRange(legacy.Where(l => !inTarget.Contains(l.Key)).Select(l => (l.Key, l.Value.Hash, l.Value.Item)));
        if (conflicts.Count > 0 && !discardConflicts)
        {
            return new Delta(0, 0, conflicts, ConflictsDiscarded: false);
        }

        var writer = new BatchWriter(dynamoDb, plan.TargetTable, null, time);
        await CopyLedger.AppendAsync(planPath, plan.TargetTable, [.. adopted, .. puts.Select(p => new CopyLedger.Entry(organization, p.Key, p.Hash))], cancellationToken).ConfigureAwait(false);
        await writer.PutAsync(puts.Select(p => p.Item).ToList(), cancellationToken).ConfigureAwait(false);
        await writer.DeleteAsync(deletes.Select(d => d.TargetKey).ToList(), cancellationToken).ConfigureAwait(false);
        await CopyLedger.AppendAsync(planPath, plan.TargetTable, deletes.Select(d => new CopyLedger.Entry(organization, d.Key, null)).ToList(), cancellationToken).ConfigureAwait(false);
        return new Delta(puts.Count, deletes.Count, conflicts, ConflictsDiscarded: conflicts.Count > 0);
    }

    private static string Describe(IReadOnlyList<(string Key, string Why)> conflicts)
        => string.Join("; ", conflicts.GroupBy(c => c.Why).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}, e.g. {g.OrderBy(c => c.Key, StringComparer.Ordinal).First().Key}")));

    private static string Organization(CommandLine line, MigrationPlan plan)
    {
        var organization = line.Required("--organization");
        return !OrganizationId.IsWellFormed(organization) ? throw new UsageException($"{line.Verb}: --organization '{CommandLine.Truncate(organization)}' is not a valid organization id")
            : !plan.Organizations.ContainsKey(organization) ? throw new UsageException($"{line.Verb}: organization '{organization}' is not in the plan")
            : organization;
    }

    /// <summary>Further attributes an organization-record update sets and removes, and a further condition (placeholders <c>#c…</c> / <c>:c…</c>).</summary>
    internal sealed record RecordChange(IReadOnlyDictionary<string, AttributeValue> Set, IReadOnlyList<string> Remove, RecordCondition? Condition);

    internal sealed record RecordCondition(string Expression, IReadOnlyDictionary<string, string> Names, IReadOnlyDictionary<string, AttributeValue> Values);

    public static async Task<(string? Status, string? Location)> ReadStatusAsync(IAmazonDynamoDB dynamoDb, MembershipOptions membership, string organization, CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = membership.OrganizationsTable,
            Key = new Dictionary<string, AttributeValue> { [membership.OrganizationsKeyAttribute] = new AttributeValue { S = organization } },
            ConsistentRead = true,
        }, cancellationToken).ConfigureAwait(false);
        if (response.Item is not { Count: > 0 } item)
        {
            return (null, null);
        }

        var status = item.TryGetValue(membership.StatusAttribute, out var s) ? s.S ?? "(no status)" : "(no status)";
        return (status, item.TryGetValue(membership.DataLocationAttribute, out var l) ? l.S : null);
    }

    /// <summary>
    /// Sets the status and/or data location, only while the status is one of <paramref name="expected"/>: an organization
    /// suspended (or otherwise changed) meanwhile is never re-activated; that ends the command with one clear line.
    /// </summary>
    private static Task SetAsync(IAmazonDynamoDB dynamoDb, MembershipOptions membership, string organization, string? status, string? location, IReadOnlyList<string> expected, CancellationToken cancellationToken)
        => SetAsync(dynamoDb, membership, organization, status, location, expected, null, cancellationToken);

    /// <summary>
    /// <see cref="SetAsync(IAmazonDynamoDB, MembershipOptions, string, string?, string?, IReadOnlyList{string}, CancellationToken)"/>
    /// with further attributes set or removed, under a further condition (reshard's <c>shards</c> and its progress).
    /// </summary>
    internal static async Task SetAsync(IAmazonDynamoDB dynamoDb, MembershipOptions membership, string organization, string? status, string? location, IReadOnlyList<string> expected, RecordChange? change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(membership);
        var names = new Dictionary<string, string> { ["#k"] = membership.OrganizationsKeyAttribute, ["#s"] = membership.StatusAttribute };
        var values = new Dictionary<string, AttributeValue>();
        var sets = new List<string>();
        var removes = new List<string>();
        var condition = string.Empty;
        if (change is not null)
        {
            var n = 0;
            foreach (var (attribute, value) in change.Set)
            {
                names[$"#x{n}"] = attribute;
                values[$":x{n}"] = value;
                sets.Add($"#x{n} = :x{n}");
                n++;
            }

            foreach (var attribute in change.Remove)
            {
                names[$"#x{n}"] = attribute;
                removes.Add($"#x{n}");
                n++;
            }

            if (change.Condition is { } extra)
            {
                foreach (var (placeholder, attribute) in extra.Names)
                {
                    names[placeholder] = attribute;
                }

                foreach (var (placeholder, value) in extra.Values)
                {
                    values[placeholder] = value;
                }

                condition = " AND (" + extra.Expression + ")";
            }
        }

        if (status is not null)
        {
            values[":s"] = new AttributeValue { S = status };
            sets.Add("#s = :s");
        }

        if (location is not null)
        {
            names["#l"] = membership.DataLocationAttribute;
            values[":l"] = new AttributeValue { S = location };
            sets.Add("#l = :l");
        }

        for (var i = 0; i < expected.Count; i++)
        {
            values[$":e{i}"] = new AttributeValue { S = expected[i] };
        }

        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = membership.OrganizationsTable,
                Key = new Dictionary<string, AttributeValue> { [membership.OrganizationsKeyAttribute] = new AttributeValue { S = organization } },
                UpdateExpression = (sets.Count > 0 ? "SET " + string.Join(", ", sets) : string.Empty) + (removes.Count > 0 ? " REMOVE " + string.Join(", ", removes) : string.Empty),
                ConditionExpression = $"attribute_exists(#k) AND #s IN ({string.Join(", ", expected.Select((_, i) => $":e{i}"))}){condition}",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new UsageException($"organization '{organization}' changed status while the migration tool worked on it (expected {string.Join(" or ", expected)}); left as it is now");
        }
    }
}
