using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Copying;
using Gateway.Migration.Cutover;
using Gateway.Migration.Invocation;
using Gateway.Migration.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Migration.Offboarding;

/// <summary>
/// <c>erase --organization X --confirm X (--export DIR | --no-export --out DIR) [--out DIR] [--page-size N]</c>: refused
/// (exit 1, one line, nothing deleted) unless <c>--confirm</c> repeats X, X's organizations item has status
/// <see cref="SuspendedStatus"/>, and the export in DIR is X's and matches X's data now (count and content hash per
/// table, membership rows included) — or <c>--no-export</c> is given. Then deletes X's items from every configured
/// tenant table (BatchWriteItem by the keys a Query of X's partition keys returned) and X's membership rows, reads every
/// table once more (must find 0) and writes <c>erasure.md</c>/<c>erasure.json</c> (who, when, counts and hashes, the
/// final reads). <c>erase.checkpoint.json</c> makes it resumable (a re-run continues without re-checking the export,
/// which the partly erased data no longer matches); after completion a re-run reports "already erased" (exit 0).
/// </summary>
internal static class EraseCommand
{
    public const int Refused = 1;
    public const string SuspendedStatus = "SUSPENDED";
    public const string CheckpointFile = "erase.checkpoint.json";
    public const string NoExportFlag = "--no-export";
    public const int MaxPasses = 3;
    public static readonly string[] Options = ["--organization", "--confirm", "--export", "--out", "--page-size"];
    public static readonly string[] Flags = [NoExportFlag];

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, IAmazonSecurityTokenService sts, TextWriter stdout, TextWriter stderr, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(sts);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(time);
        var organization = ExportCommand.Organization(line);
        var noExport = line.Has(NoExportFlag);
        var exportDirectory = line.Get("--export") ?? (noExport ? null : line.Get("--out"));
        if (noExport && line.Get("--export") is not null)
        {
            throw new UsageException($"erase: give --export DIR or {NoExportFlag}, not both");
        }

        var directory = line.Get("--out") ?? exportDirectory
            ?? throw new UsageException(noExport ? $"erase: --out DIR is required with {NoExportFlag} (where the erasure record goes)" : "erase: --export DIR (the export of the organization) is required, or --no-export --out DIR");
        var pageSize = line.PositiveInt("--page-size", OrganizationData.DefaultPageSize);
        var c = CultureInfo.InvariantCulture;
        var confirm = line.Get("--confirm");
        if (!string.Equals(confirm, organization, StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync(confirm is null
                ? $"erase: refused: --confirm {organization} is required (it repeats --organization); nothing deleted"
                : $"erase: refused: --confirm '{CommandLine.Truncate(confirm)}' does not match --organization '{organization}'; nothing deleted").ConfigureAwait(false);
            return Refused;
        }

        using var services = IsolationChecker.LoadGatewayServices(line);
        var options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
        var sources = await OrganizationData.ResolveAsync(dynamoDb, options, OrganizationData.EveryPartition(organization), cancellationToken).ConfigureAwait(false);
        var caller = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken).ConfigureAwait(false);

        // Already erased: a record of X in DIR, and nothing of X now.
        if (ErasureRecord.Peek(directory) is { } record && record.OrganizationId == organization && record.Complete)
        {
            var left = await RemainingAsync(dynamoDb, sources, organization, pageSize, cancellationToken).ConfigureAwait(false);
            if (left.Values.Sum() == 0)
            {
                await stdout.WriteLineAsync(string.Create(c, $"erase: {organization} is already erased (record {Path.Combine(directory, ErasureRecord.JsonFile)}, completed {record.CompletedAt:u}); a read of every table found 0 items of it")).ConfigureAwait(false);
                return 0;
            }

            var first = left.First(l => l.Value > 0);
            await stderr.WriteLineAsync(string.Create(c, $"erase: refused: {organization} was erased at {record.CompletedAt:u} but {left.Values.Sum():N0} items of it exist now (first: {first.Key}, {first.Value:N0}); written since? revoke its credentials, export again into a new directory and erase with that --export")).ConfigureAwait(false);
            return Refused;
        }

        var (status, _) = await CutoverCommand.ReadStatusAsync(dynamoDb, options.Membership, organization, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(status, SuspendedStatus, StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync($"erase: refused: organization '{organization}' is {status ?? "not in " + options.Membership.OrganizationsTable}; erase needs {options.Membership.StatusAttribute} = {SuspendedStatus} (suspend it first); nothing deleted").ConfigureAwait(false);
            return Refused;
        }

        var checkpoint = OffboardCheckpoint.Open(Path.Combine(directory, CheckpointFile), "erase", organization, sources.Select(s => (s.Table, s.Membership ? [] : OrganizationData.Partitions(s, organization))).ToList(), time.GetUtcNow());
        if (checkpoint.Resumed)
        {
            await stdout.WriteLineAsync(string.Create(c, $"erase: resuming the erasure of {organization} from '{checkpoint.Path}' (started {checkpoint.StartedAt:u}; {checkpoint.Units.Sum(u => u.Digest.Count):N0} items deleted so far); the export was checked when it started")).ConfigureAwait(false);
        }
        else
        {
            var now = new Dictionary<string, OrganizationDigest>(StringComparer.Ordinal);
            foreach (var source in sources)
            {
                now[source.Table] = await OrganizationData.DigestAsync(dynamoDb, source, organization, pageSize, cancellationToken).ConfigureAwait(false);
            }

            if (!noExport)
            {
                var refusal = await CheckExportAsync(exportDirectory!, organization, sources, now, cancellationToken).ConfigureAwait(false);
                if (refusal is not null)
                {
                    await stderr.WriteLineAsync($"erase: refused: {refusal}; nothing deleted").ConfigureAwait(false);
                    return Refused;
                }

                checkpoint.ExportManifest = Path.GetFullPath(ExportManifest.PathIn(exportDirectory!));
            }

            foreach (var (table, digest) in now)
            {
                checkpoint.Before[table] = digest;
            }

            Directory.CreateDirectory(directory);
            checkpoint.Save();
        }

        var manifest = checkpoint.ExportManifest is null ? null : await ExportManifest.ReadAsync("erase", Path.GetDirectoryName(checkpoint.ExportManifest)!, cancellationToken).ConfigureAwait(false);
        Dictionary<string, long> remaining = [];
        for (var pass = 1; pass <= MaxPasses; pass++)
        {
            foreach (var source in sources)
            {
                await DeleteTableAsync(dynamoDb, source, organization, checkpoint, pageSize, time, cancellationToken).ConfigureAwait(false);
            }

            remaining = await RemainingAsync(dynamoDb, sources, organization, pageSize, cancellationToken).ConfigureAwait(false);
            if (remaining.Values.Sum() == 0)
            {
                break;
            }

            // Items of X appeared while it was being erased (a backend still holding credentials): another pass.
            foreach (var unit in checkpoint.Units)
            {
                unit.Done = false;
                unit.Partition = 0;
                unit.Key = null;
            }

            checkpoint.Save();
        }

        var deleted = new OrganizationDigest(keepItems: false);
        foreach (var source in sources.Where(s => !s.Membership))
        {
            deleted.Add(checkpoint.Unit(source.Table).Digest);
        }

        var erasure = new ErasureRecord
        {
            OrganizationId = organization,
            CallerArn = caller.Arn ?? "(none)",
            CallerAccount = caller.Account ?? "(none)",
            CallerUserId = caller.UserId ?? "(none)",
            StartedAt = checkpoint.StartedAt,
            CompletedAt = time.GetUtcNow(),
            ToolVersion = OrganizationData.ToolVersion,
            ExportManifest = checkpoint.ExportManifest,
            ExportHash = manifest?.Hash,
            HashDeleted = deleted.Hash,
            Tables = sources.Select(s =>
            {
                var before = checkpoint.Before.GetValueOrDefault(s.Table) ?? new OrganizationDigest(keepItems: false);
                var unit = checkpoint.Unit(s.Table);
                return new ErasedTable(s.Table, s.Membership ? s.OrganizationAttribute : s.Key.PartitionKey, s.Membership ? [] : OrganizationData.Partitions(s, organization), s.Membership,
                    before.Count, before.Hash, unit.Digest.Count, unit.Digest.Hash, remaining.GetValueOrDefault(s.Table));
            }).ToList(),
        };
        await erasure.WriteAsync(directory, cancellationToken).ConfigureAwait(false);
        if (!erasure.Complete)
        {
            var first = remaining.First(r => r.Value > 0);
            await stderr.WriteLineAsync(string.Create(c, $"erase: {organization}: {erasure.Remaining:N0} items still exist after {MaxPasses} passes (first: {first.Key}, {first.Value:N0}); something keeps writing them: revoke its credentials and re-run (record {Path.Combine(directory, ErasureRecord.JsonFile)})")).ConfigureAwait(false);
            return Refused;
        }

        File.Delete(checkpoint.Path);
        await stdout.WriteLineAsync(string.Create(c,
            $"erase: {organization}: deleted {erasure.ItemsDeleted:N0} items ({string.Join(", ", erasure.Tables.Where(t => !t.Membership).Select(t => $"{t.Table} {t.ItemsDeleted:N0}"))}) and {erasure.MembershipsDeleted:N0} membership rows; hash {erasure.HashDeleted}; a final read of every table found 0; erased by {erasure.CallerArn}; record {Path.Combine(directory, ErasureRecord.MarkdownFile)}, {Path.Combine(directory, ErasureRecord.JsonFile)}")).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Null when the export in <paramref name="directory"/> is X's, complete, and matches <paramref name="now"/> table by table; else why not.</summary>
    private static async Task<string?> CheckExportAsync(string directory, string organization, IReadOnlyList<DataSource> sources, Dictionary<string, OrganizationDigest> now, CancellationToken cancellationToken)
    {
        var manifest = await ExportManifest.ReadAsync("erase", directory, cancellationToken).ConfigureAwait(false);
        if (manifest is null)
        {
            return File.Exists(Path.Combine(directory, ExportCommand.CheckpointFile))
                ? $"the export of {organization} in '{directory}' is not complete (no {ExportManifest.FileName}): re-run export to finish it"
                : $"no export in '{directory}' ({ExportManifest.FileName} missing): run export --organization {organization} --out DIR first, or pass {NoExportFlag}";
        }

        if (manifest.OrganizationId != organization)
        {
            return $"the export in '{directory}' is of organization '{manifest.OrganizationId}', not '{organization}'";
        }

        var exported = manifest.Tables.Append(manifest.Memberships).ToDictionary(t => t.Table, StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var current = now[source.Table];
            if (!exported.TryGetValue(source.Table, out var entry))
            {
                return $"the export of {organization} ({manifest.ExportedAt:u}) has no table {source.Table}, which the gateway configuration lists now: export again";
            }

            if (entry.Items != current.Count || !string.Equals(entry.Hash, current.Hash, StringComparison.Ordinal))
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"stale export: {source.Table} holds {current.Count:N0} items of {organization} with hash {current.Hash} now, the export of {manifest.ExportedAt:u} has {entry.Items:N0} with hash {entry.Hash} (data changed since): export again into a new directory");
            }
        }

        var extra = exported.Keys.FirstOrDefault(t => sources.All(s => s.Table != t) && exported[t].Items > 0);
        return extra is null ? null : $"the export of {organization} holds items of table {extra}, which the gateway configuration no longer lists: they would not be erased";
    }

    private static async Task DeleteTableAsync(IAmazonDynamoDB dynamoDb, DataSource source, string organization, OffboardCheckpoint checkpoint, int pageSize, TimeProvider time, CancellationToken cancellationToken)
    {
        var unit = checkpoint.Unit(source.Table);
        var writer = new BatchWriter(dynamoDb, source.Table, null, time);
        if (checkpoint.Pending is { } pending && pending.Table == source.Table)
        {
            // The page whose delete a killed run had sent: deleting it again changes nothing; count it once.
            await writer.DeleteAsync(pending.Keys, cancellationToken).ConfigureAwait(false);
            unit.Digest.Add(pending.Digest);
            checkpoint.Pending = null;
            checkpoint.Save();
        }

        if (unit.Done)
        {
            return;
        }

        var partitions = OrganizationData.Partitions(source, organization);
        while (unit.Partition < partitions.Count)
        {
            await foreach (var page in OrganizationData.PagesAsync(dynamoDb, source, organization, partitions[unit.Partition], unit.Key, pageSize, cancellationToken).ConfigureAwait(false))
            {
                if (page.Items.Count > 0)
                {
                    var digest = new OrganizationDigest(keepItems: false);
                    var keys = new List<Dictionary<string, AttributeValue>>(page.Items.Count);
                    foreach (var item in page.Items)
                    {
                        digest.Add(item);
                        keys.Add(source.KeyOf(item));
                    }

                    checkpoint.Pending = (source.Table, keys, digest);
                    checkpoint.Save();
                    await writer.DeleteAsync(keys, cancellationToken).ConfigureAwait(false);
                    unit.Digest.Add(digest);
                    checkpoint.Pending = null;
                }

                ExportCommand.Advance(unit, page.NextKey);
                checkpoint.Save();
            }
        }

        unit.Done = true;
        checkpoint.Save();
    }

    /// <summary>The proof: per table, the items of <paramref name="organization"/> a fresh strongly consistent read finds.</summary>
    private static async Task<Dictionary<string, long>> RemainingAsync(IAmazonDynamoDB dynamoDb, IReadOnlyList<DataSource> sources, string organization, int pageSize, CancellationToken cancellationToken)
    {
        var remaining = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            remaining[source.Table] = (await OrganizationData.DigestAsync(dynamoDb, source, organization, pageSize, cancellationToken).ConfigureAwait(false)).Count;
        }

        return remaining;
    }
}
