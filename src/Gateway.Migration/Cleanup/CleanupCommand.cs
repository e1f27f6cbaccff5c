using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Copying;
using Gateway.Migration.Cutover;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Planning;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Cleanup;

/// <summary>
/// <c>cleanup --source TABLE [--delete] [--segments N]</c>: refuses (exit 1) unless every organization of the plan was cut
/// over and validated at its cutover (<see cref="ValidationState"/>), the gateway serves it from the partitioned table now
/// (<c>dataLocation = PARTITIONED</c>, not <c>MIGRATING</c>), and its legacy items still have the validated count and
/// content hash; then reports
/// what it would delete, or with <c>--delete</c> deletes the migrated legacy items (quarantined items are never touched).
/// </summary>
internal static class CleanupCommand
{
    public const int Refused = 1;
    public static readonly string[] Options = ["--source", "--segments"];
    public static readonly string[] Flags = ["--delete"];

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var source = line.Required("--source");
        var segments = line.PositiveInt("--segments", 4);
        var plan = await MigrationPlan.ReadAsync(line.PlanPath, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(source, plan.SourceTable, StringComparison.Ordinal))
        {
            throw new UsageException($"cleanup: --source '{CommandLine.Truncate(source)}' is not the plan's source table '{plan.SourceTable}'");
        }

        await Tables.DescribeKeyAsync(dynamoDb, source, cancellationToken).ConfigureAwait(false);
        var state = await ValidationState.ReadAsync(line.PlanPath, ValidationState.PlanIdOf(plan), cancellationToken).ConfigureAwait(false);
        var c = CultureInfo.InvariantCulture;
        var notCutOver = plan.Organizations.Keys.Where(o => state.Organizations.GetValueOrDefault(o)?.CutoverAt is null).ToList();
        if (notCutOver.Count > 0)
        {
            var first = notCutOver[0];
            var why = state.Organizations.ContainsKey(first) ? "validated but not cut over (or rolled back)" : "not validated";
            await stderr.WriteLineAsync(string.Create(c, $"cleanup: refused: {notCutOver.Count} of {plan.Organizations.Count} organizations of the plan are not cut over and validated at their cutover (first: {first}, {why}); the gateway still serves their legacy items: run cutover for each")).ConfigureAwait(false);
            return Refused;
        }

        // What the gateway serves now: every organization must be on the partitioned table (not rolled back meanwhile).
        using (var isolation = IsolationChecker.Create(line, plan))
        {
            var membership = isolation.Options.Membership;
            var notServed = new System.Collections.Concurrent.ConcurrentBag<(string Organization, string? Status, string? Location)>();
            await Parallel.ForEachAsync(plan.Organizations.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (organization, ct) =>
            {
                var (status, location) = await CutoverCommand.ReadStatusAsync(dynamoDb, membership, organization, ct).ConfigureAwait(false);
                if (!string.Equals(location, membership.PartitionedLocation, StringComparison.Ordinal) || status == membership.MigratingStatus)
                {
                    notServed.Add((organization, status, location));
                }
            }).ConfigureAwait(false);
            if (!notServed.IsEmpty)
            {
                var first = notServed.OrderBy(n => n.Organization, StringComparer.Ordinal).First();
                await stderr.WriteLineAsync(string.Create(c, $"cleanup: refused: {notServed.Count} of {plan.Organizations.Count} organizations are not served from the partitioned table now (first: {first.Organization}, status {first.Status ?? "none"}, dataLocation {first.Location ?? "none"} in {membership.OrganizationsTable}); run cutover for each")).ConfigureAwait(false);
                return Refused;
            }
        }

        // One scan: each organization's legacy digest (must still be the validated one) and its legacy keys.
        var mapper = plan.Mapper();
        var quarantined = plan.Quarantine.Select(q => q.Key).ToHashSet(StringComparer.Ordinal);
        var digests = plan.Organizations.Keys.ToDictionary(o => o, _ => new OrganizationDigest(), StringComparer.Ordinal);
        var keys = new List<Dictionary<string, AttributeValue>>();
        await foreach (var page in Tables.ScanAsync(dynamoDb, source, segments, null, null, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Items)
            {
                if (!mapper.TryGetOrganization(item, out var organization, out _) || !digests.TryGetValue(organization, out var digest)
                    || quarantined.Contains(ItemCodec.KeyString(item, mapper.Source.Names)) || mapper.ToTarget(item, organization, out _) is not { } target)
                {
                    continue;
                }

                digest.Add(ItemCodec.KeyString(target, mapper.Target.Names), target);
                keys.Add(mapper.SourceKey(item));
            }
        }

        var changed = digests.Where(d => d.Value.Hash != state.Organizations[d.Key].LegacyHash || d.Value.Count != state.Organizations[d.Key].LegacyItems).Select(d => d.Key).ToList();
        if (changed.Count > 0)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"cleanup: refused: the legacy items of {changed.Count} organizations changed since they were validated (first: {changed[0]}); validate again")).ConfigureAwait(false);
            return Refused;
        }

        if (!line.Has("--delete"))
        {
            await stdout.WriteLineAsync(string.Create(c, $"cleanup: report only: {keys.Count:N0} migrated legacy items of {digests.Count:N0} validated organizations would be deleted from {source}; {plan.Quarantine.Count:N0} quarantined items are kept. Re-run with --delete to delete them.")).ConfigureAwait(false);
            return 0;
        }

        var writer = new BatchWriter(dynamoDb, source, null, time);
        await writer.DeleteAsync(keys, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"cleanup: deleted {keys.Count:N0} migrated legacy items of {digests.Count:N0} organizations from {source}; {plan.Quarantine.Count:N0} quarantined items kept")).ConfigureAwait(false);
        return 0;
    }
}
