using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Planning;
using Gateway.Migration.Sharding;
using Gateway.Migration.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Migration.Copying;

/// <summary>
/// <c>copy [--organizations A,B | --all] --checkpoint FILE [--max-write-rate N] [--segments N] [--page-size N]</c>: a
/// parallel Scan of the legacy table; each page's items of the selected organizations (quarantined ones never) become
/// target items, written with <see cref="BatchWriter"/>; then the page is recorded in the <see cref="Checkpoint"/>.
/// Killed and re-run with the same arguments it resumes; puts of the same target key overwrite, so nothing is
/// duplicated, and every page is recorded only once all its items are written, so nothing is lost.
/// </summary>
internal static class CopyCommand
{
    public static readonly string[] Options = ["--organizations", "--checkpoint", "--max-write-rate", "--segments", "--page-size"];
    public static readonly string[] Flags = ["--all"];

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, bool interactive, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        var checkpointPath = line.Required("--checkpoint");
        int? maxRate = line.Get("--max-write-rate") is null ? null : line.PositiveInt("--max-write-rate", 1);
        var segments = line.PositiveInt("--segments", 4);
        var pageSize = line.PositiveInt("--page-size", 1000);
        var plan = await MigrationPlan.ReadAsync(line.PlanPath, cancellationToken).ConfigureAwait(false);
        var selected = plan.Select(line, allowAllByDefault: false);
        var selection = line.Has("--all") ? "*" : string.Join(',', selected);
        var checkpoint = Checkpoint.Open(checkpointPath, PlanId(plan), selection, segments);
        await Tables.DescribeKeyAsync(dynamoDb, plan.SourceTable, cancellationToken).ConfigureAwait(false);
        await Tables.DescribeKeyAsync(dynamoDb, plan.TargetTable, cancellationToken).ConfigureAwait(false);
        using (var services = IsolationChecker.LoadGatewayServices(line))
        {
            var membership = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value.Membership;
            await ShardState.RequireUnshardedAsync("copy", dynamoDb, membership, selected,
                o => $"copy writes only the unsharded key {o} (legacy has no shards), which a sharded organization's backend never reads; nothing written (or leave it out with --organizations)", cancellationToken).ConfigureAwait(false);
        }

        var c = CultureInfo.InvariantCulture;
        if (checkpoint.Complete)
        {
            await stdout.WriteLineAsync(string.Create(c, $"copy: checkpoint '{checkpointPath}' is complete ({checkpoint.Copied:N0} items); nothing to do")).ConfigureAwait(false);
            return 0;
        }

        if (checkpoint.Resumed)
        {
            await stdout.WriteLineAsync(string.Create(c, $"copy: resuming from '{checkpointPath}' ({checkpoint.Copied:N0} items written, {checkpoint.Done.Count}/{segments} segments done)")).ConfigureAwait(false);
        }
        else
        {
            checkpoint.Save();
        }

        var wanted = selected.ToHashSet(StringComparer.Ordinal);
        var quarantined = plan.Quarantine.Select(q => q.Key).ToHashSet(StringComparer.Ordinal);
        var mapper = plan.Mapper();
        var writer = new BatchWriter(dynamoDb, plan.TargetTable, maxRate, time);
        var progress = new CopyProgress(selected.ToDictionary(o => o, o => plan.Organizations[o], StringComparer.Ordinal), checkpoint.Copied);
        var copiedBefore = checkpoint.Copied;
        var started = Stopwatch.GetTimestamp();
        long skipped = 0;
        await progress.RunAsync(async () =>
        {
            var pages = Tables.ScanAsync(dynamoDb, plan.SourceTable, segments, checkpoint.Keys, checkpoint.Done, null, cancellationToken, pageSize);
            await foreach (var page in pages.ConfigureAwait(false))
            {
                var requests = new List<WriteRequest>(page.Items.Count);
                var copied = new List<CopyLedger.Entry>(page.Items.Count);
                var perOrganization = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var item in page.Items)
                {
                    if (!mapper.TryGetOrganization(item, out var organization, out _) || quarantined.Contains(ItemCodec.KeyString(item, mapper.Source.Names)))
                    {
                        continue;
                    }

                    if (!wanted.Contains(organization))
                    {
                        skipped += plan.Organizations.ContainsKey(organization) ? 0 : 1;
                        continue;
                    }

                    var target = mapper.ToTarget(item, organization, out var problem)
                        ?? throw new UsageException($"copy: wrong key schema (the legacy table changed since plan): {problem}");
                    requests.Add(new WriteRequest { PutRequest = new PutRequest { Item = target } });
                    copied.Add(new CopyLedger.Entry(organization, ItemCodec.KeyString(target, mapper.Target.Names), Convert.ToHexString(ItemCodec.Hash(target))));
                    perOrganization[organization] = perOrganization.GetValueOrDefault(organization) + 1;
                }

                // Recorded before it is written: the cutover delta may later delete or overwrite only what the tool wrote.
                await CopyLedger.AppendAsync(line.PlanPath, plan.TargetTable, copied, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(requests, cancellationToken).ConfigureAwait(false);
                foreach (var (organization, count) in perOrganization)
                {
                    progress.Add(organization, count);
                }

                checkpoint.Advance(page.Segment, page.NextKey, requests.Count);
            }
        }, stdout, interactive).ConfigureAwait(false);

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var now = checkpoint.Copied - copiedBefore;
        await stdout.WriteLineAsync(string.Create(c,
            $"copy: wrote {now:N0} items in {elapsed:0.0} s ({now / Math.Max(elapsed, 0.001):N0} items/s) for {selected.Count:N0} organizations; {checkpoint.Copied:N0} in total; {writer.Retries:N0} backoff retries")).ConfigureAwait(false);
        if (skipped > 0)
        {
            await stdout.WriteLineAsync(string.Create(c, $"copy: skipped {skipped:N0} items of organizations that are not in the plan (added after plan? re-run plan)")).ConfigureAwait(false);
        }

        return 0;
    }

    public static string PlanId(MigrationPlan plan) => MigrationPlan.IdOf(plan);
}
