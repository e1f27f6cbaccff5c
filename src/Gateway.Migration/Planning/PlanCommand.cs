using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;

namespace Gateway.Migration.Planning;

/// <summary>
/// <c>plan --source TABLE --target TABLE --organization-attribute NAME [--sort-key-from ATTR] [--segments N]</c>:
/// a parallel Scan of the legacy table counts items per organization, quarantines the ones it cannot assign (attribute
/// missing, not a valid OrganizationId, several values, or two legacy items for one target key), checks that every
/// assignable item fits the target's key schema, prints a summary and writes the plan (<c>--plan</c>, default plan.json).
/// </summary>
internal static class PlanCommand
{
    public static readonly string[] Options = ["--source", "--target", "--organization-attribute", "--sort-key-from", "--segments"];

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        var sourceTable = line.Required("--source");
        var targetTable = line.Required("--target");
        var attribute = AttributeName(line, "--organization-attribute", line.Required("--organization-attribute"));
        var sortKeyFrom = line.Get("--sort-key-from") is { } s ? AttributeName(line, "--sort-key-from", s) : null;
        var segments = line.PositiveInt("--segments", 4);
        if (string.Equals(sourceTable, targetTable, StringComparison.Ordinal))
        {
            throw new UsageException("plan: --source and --target must be different tables");
        }

        var started = Stopwatch.GetTimestamp();
        var source = await Tables.DescribeKeyAsync(dynamoDb, sourceTable, cancellationToken).ConfigureAwait(false);
        var target = await Tables.DescribeKeyAsync(dynamoDb, targetTable, cancellationToken).ConfigureAwait(false);
        if (target.PartitionKeyType != "S")
        {
            throw new UsageException($"plan: wrong key schema: the target's partition key '{target.PartitionKey}' is {target.PartitionKeyType}, an organization id needs S");
        }

        if (sortKeyFrom is not null && target.SortKey is null)
        {
            throw new UsageException($"plan: --sort-key-from given but target '{targetTable}' has no sort key");
        }

        var mapper = new ItemMapper(attribute, sortKeyFrom, source, target);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var quarantine = new List<QuarantinedItem>();
        var byTargetKey = new Dictionary<string, (string Organization, List<string> SourceKeys)>(StringComparer.Ordinal);
        long total = 0, withAttribute = 0;
        await foreach (var page in Tables.ScanAsync(dynamoDb, sourceTable, segments, null, null, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                total++;
                var sourceKey = ItemCodec.KeyString(item, source.Names);
                if (item.ContainsKey(attribute))
                {
                    withAttribute++;
                }

                if (!mapper.TryGetOrganization(item, out var organization, out var reason))
                {
                    quarantine.Add(new QuarantinedItem(sourceKey, reason));
                    continue;
                }

                var mapped = mapper.ToTarget(item, organization, out var problem) ?? throw new UsageException($"plan: wrong key schema: {problem}");
                var targetKey = ItemCodec.KeyString(mapped, target.Names);
                if (byTargetKey.TryGetValue(targetKey, out var seen))
                {
                    seen.SourceKeys.Add(sourceKey);
                }
                else
                {
                    byTargetKey[targetKey] = (organization, [sourceKey]);
                }

                counts[organization] = counts.GetValueOrDefault(organization) + 1;
            }
        }

        if (total > 0 && withAttribute == 0)
        {
            throw new UsageException($"plan: no item of '{sourceTable}' has the attribute '{attribute}' (bad --organization-attribute?)");
        }

        foreach (var (targetKey, (organization, sourceKeys)) in byTargetKey.Where(e => e.Value.SourceKeys.Count > 1))
        {
            // Several legacy items would become one target item: none is copied (the plan cannot choose), so each is quarantined.
            quarantine.AddRange(sourceKeys.Select(k => new QuarantinedItem(k, $"{sourceKeys.Count} legacy items map to target key {targetKey}")));
            counts[organization] -= sourceKeys.Count;
        }

        foreach (var empty in counts.Where(c => c.Value == 0).Select(c => c.Key).ToList())
        {
            counts.Remove(empty);
        }

        var plan = new MigrationPlan
        {
            SourceTable = sourceTable,
            TargetTable = targetTable,
            OrganizationAttribute = attribute,
            SortKeyFrom = sortKeyFrom,
            SourceKey = source,
            TargetKey = target,
            CreatedAt = time.GetUtcNow(),
            TotalItems = total,
            AssignedItems = counts.Values.Sum(),
            Organizations = new SortedDictionary<string, long>(counts, StringComparer.Ordinal),
            Quarantine = quarantine.OrderBy(q => q.Key, StringComparer.Ordinal).ToList(),
        };
        var occupied = await OrganizationsWithTargetItemsAsync(dynamoDb, plan, cancellationToken).ConfigureAwait(false);
        await plan.WriteAsync(line.PlanPath, cancellationToken).ConfigureAwait(false);

        var elapsed = Stopwatch.GetElapsedTime(started);
        var c = CultureInfo.InvariantCulture;
        await stdout.WriteLineAsync(string.Create(c, $"plan: {sourceTable} → {targetTable} (organization from '{attribute}', target key {string.Join(" + ", target.Names)})")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"  scanned {total:N0} items in {segments} segments in {elapsed.TotalSeconds:0.0} s")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"  {plan.Organizations.Count:N0} organizations, {plan.AssignedItems:N0} items to copy")).ConfigureAwait(false);
        var reasons = string.Join(", ", quarantine.GroupBy(q => q.Reason.Contains("map to target key", StringComparison.Ordinal) ? "duplicate target key" : q.Reason)
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => string.Create(c, $"{g.Key}: {g.Count()}")));
        await stdout.WriteLineAsync(string.Create(c, $"  {quarantine.Count:N0} items quarantined{(quarantine.Count > 0 ? $" ({reasons})" : string.Empty)}, never copied; listed under \"quarantine\" in {line.PlanPath}")).ConfigureAwait(false);
        if (occupied.Count > 0)
        {
            await stdout.WriteLineAsync(string.Create(c, $"  warning: the target {targetTable} already holds items of {occupied.Count:N0} planned organizations (first: {occupied[0]}); copy overwrites items of the same key, and cutover stops with a conflict (exit 1, nothing deleted) on target items the migration did not write that differ from legacy")).ConfigureAwait(false);
        }

        await stdout.WriteLineAsync($"  wrote {line.PlanPath}").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Planned organizations whose partition in the target is not empty (one Query of one item each).</summary>
    private static async Task<List<string>> OrganizationsWithTargetItemsAsync(IAmazonDynamoDB dynamoDb, MigrationPlan plan, CancellationToken cancellationToken)
    {
        var occupied = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(plan.Organizations.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (organization, ct) =>
        {
            var response = await dynamoDb.QueryAsync(new Amazon.DynamoDBv2.Model.QueryRequest
            {
                TableName = plan.TargetTable,
                KeyConditionExpression = "#pk = :pk",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = plan.TargetKey.PartitionKey },
                ExpressionAttributeValues = new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> { [":pk"] = new() { S = organization } },
                Limit = 1,
                ProjectionExpression = "#pk",
            }, ct).ConfigureAwait(false);
            if (response.Items is { Count: > 0 })
            {
                occupied.Add(organization);
            }
        }).ConfigureAwait(false);
        return occupied.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A DynamoDB attribute name: 1-255 characters, no control characters, no surrounding spaces.</summary>
    private static string AttributeName(CommandLine line, string option, string value)
        => value.Length is > 0 and <= 255 && !value.Any(char.IsControl) && value.Trim() == value
            ? value
            : throw new UsageException($"{line.Verb}: {option} '{CommandLine.Truncate(value)}' is not a valid attribute name");
}
