using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Cli;
using Gateway.Migration.Copying;
using Gateway.Migration.Items;
using Gateway.Migration.Planning;
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
    public static readonly string[] Options = ["--organization", "--drain", "--report", "--segments"];
    public static readonly string[] RollbackOptions = ["--organization"];

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

        var c = CultureInfo.InvariantCulture;
        var started = Stopwatch.GetTimestamp();
        await SetAsync(dynamoDb, membership, organization, membership.MigratingStatus, location: null, [membership.ActiveStatus, membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
        var wait = membership.StatusTtl + drain;
        await stdout.WriteLineAsync(string.Create(c, $"cutover: {organization} is {membership.MigratingStatus}; waiting {wait.TotalSeconds:0.#} s (status TTL {membership.StatusTtl.TotalSeconds:0.#} s + drain {drain.TotalSeconds:0.#} s)")).ConfigureAwait(false);
        await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);

        var (put, deleted) = await CopyDeltaAsync(dynamoDb, plan, organization, segments, time, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"cutover: delta for {organization}: {put} items written, {deleted} deleted")).ConfigureAwait(false);

        var results = await Validator.ValidateAsync(dynamoDb, plan, [organization], isolation, segments, cancellationToken).ConfigureAwait(false);
        if (line.Get("--report") is { } report)
        {
            await new ValidationReport(plan.SourceTable, plan.TargetTable, time.GetUtcNow(), Stopwatch.GetElapsedTime(started), results).WriteAsync(report, cancellationToken).ConfigureAwait(false);
        }

        await ValidationState.RecordAsync(line.PlanPath, ValidationState.PlanIdOf(plan), results, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var result = results[0];
        if (!result.Passed)
        {
            await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, location: null, [membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
            await stderr.WriteLineAsync(string.Create(c, $"cutover: {organization} failed validation (legacy {result.LegacyItems} items, target {result.TargetItems}, isolation {(result.Isolation is { Passed: true } ? "passed" : "failed")}); it stays on legacy and is {membership.ActiveStatus} again")).ConfigureAwait(false);
            return ValidateCommand.Mismatch;
        }

        await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, membership.PartitionedLocation, [membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"cutover: {organization} validated ({result.TargetItems} items, isolation passed) and {membership.ActiveStatus} on the partitioned table; {membership.MigratingStatus} for {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s")).ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> RollbackAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        var plan = await MigrationPlan.ReadAsync(line.PlanPath, cancellationToken).ConfigureAwait(false);
        var organization = Organization(line, plan);
        using var isolation = IsolationChecker.Create(line, plan);
        var membership = isolation.Options.Membership;
        var (status, _) = await ReadStatusAsync(dynamoDb, membership, organization, cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            throw new UsageException($"rollback: organization '{organization}' is not in {membership.OrganizationsTable}");
        }

        if (status != membership.ActiveStatus && status != membership.MigratingStatus)
        {
            // Only the routing goes back: a suspended organization stays suspended.
            await SetAsync(dynamoDb, membership, organization, status: null, membership.LegacyLocation, [status], cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync($"rollback: {organization} is routed to legacy again and stays {status}").ConfigureAwait(false);
            return 0;
        }

        await SetAsync(dynamoDb, membership, organization, membership.ActiveStatus, membership.LegacyLocation, [membership.ActiveStatus, membership.MigratingStatus], cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"rollback: {organization} is {membership.ActiveStatus} on legacy again (the gateway routes it to the legacy cluster within {membership.StatusTtl.TotalSeconds:0.#} s)").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Re-compares one organization: puts legacy items missing or different in the target, deletes target items legacy does not have.</summary>
    public static async Task<(int Put, int Deleted)> CopyDeltaAsync(IAmazonDynamoDB dynamoDb, MigrationPlan plan, string organization, int segments, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var mapper = plan.Mapper();
        var quarantined = plan.Quarantine.Select(q => q.Key).ToHashSet(StringComparer.Ordinal);
        var legacy = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        await foreach (var page in Tables.ScanAsync(dynamoDb, plan.SourceTable, segments, null, null, new ScanFilter(plan.OrganizationAttribute, organization), cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                if (mapper.TryGetOrganization(item, out var o, out _) && o == organization && !quarantined.Contains(ItemCodec.KeyString(item, mapper.Source.Names))
                    && mapper.ToTarget(item, organization, out _) is { } target)
                {
                    legacy[ItemCodec.KeyString(target, mapper.Target.Names)] = target;
                }
            }
        }

        var existing = new Dictionary<string, (byte[] Hash, Dictionary<string, AttributeValue> Key)>(StringComparer.Ordinal);
        await foreach (var item in Snapshots.QueryAsync(dynamoDb, plan.TargetTable, plan.TargetKey.PartitionKey, organization, cancellationToken).ConfigureAwait(false))
        {
            existing[ItemCodec.KeyString(item, plan.TargetKey.Names)] = (ItemCodec.Hash(item), mapper.TargetKey(item));
        }

        var puts = legacy.Where(l => !existing.TryGetValue(l.Key, out var e) || !e.Hash.AsSpan().SequenceEqual(ItemCodec.Hash(l.Value))).Select(l => l.Value).ToList();
        var deletes = existing.Where(e => !legacy.ContainsKey(e.Key)).Select(e => e.Value.Key).ToList();
        var writer = new BatchWriter(dynamoDb, plan.TargetTable, null, time);
        await writer.PutAsync(puts, cancellationToken).ConfigureAwait(false);
        await writer.DeleteAsync(deletes, cancellationToken).ConfigureAwait(false);
        return (puts.Count, deletes.Count);
    }

    private static string Organization(CommandLine line, MigrationPlan plan)
    {
        var organization = line.Required("--organization");
        return !OrganizationId.IsWellFormed(organization) ? throw new UsageException($"{line.Verb}: --organization '{CommandLine.Truncate(organization)}' is not a valid organization id")
            : !plan.Organizations.ContainsKey(organization) ? throw new UsageException($"{line.Verb}: organization '{organization}' is not in the plan")
            : organization;
    }

    private static async Task<(string? Status, string? Location)> ReadStatusAsync(IAmazonDynamoDB dynamoDb, MembershipOptions membership, string organization, CancellationToken cancellationToken)
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
    private static async Task SetAsync(IAmazonDynamoDB dynamoDb, MembershipOptions membership, string organization, string? status, string? location, IReadOnlyList<string> expected, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string> { ["#k"] = membership.OrganizationsKeyAttribute, ["#s"] = membership.StatusAttribute };
        var values = new Dictionary<string, AttributeValue>();
        var sets = new List<string>();
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
                UpdateExpression = "SET " + string.Join(", ", sets),
                ConditionExpression = $"attribute_exists(#k) AND #s IN ({string.Join(", ", expected.Select((_, i) => $":e{i}"))})",
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
