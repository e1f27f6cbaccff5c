using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Copying;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Validation;
using Gateway.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Migration.Offboarding;

/// <summary>
/// <c>export --organization X --out DIR [--page-size N]</c>: every item of X in the gateway's configured tenant tables
/// (a Query per partition key of X — never a Scan of a tenant table) and X's membership rows, written page by page as
/// DynamoDB JSON Lines, one file per table (<c>{table}.jsonl</c>), then <c>manifest.json</c> (per-table counts and the
/// content hash <c>validate</c> computes, the organization, the time, the tool version). After every page the file is
/// flushed and <c>export.checkpoint.json</c> records its length, the key to resume after and the running count and hash:
/// a re-run after an interruption truncates each file to the recorded length and continues, ending with the same files.
/// </summary>
internal static class ExportCommand
{
    public const string CheckpointFile = "export.checkpoint.json";
    public static readonly string[] Options = ["--organization", "--out", "--page-size"];
    public static readonly string[] Flags = [];

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, bool interactive, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(time);
        var organization = Organization(line);
        var directory = line.Required("--out");
        var pageSize = line.PositiveInt("--page-size", OrganizationData.DefaultPageSize);
        if (File.Exists(directory))
        {
            throw new UsageException($"export: --out '{CommandLine.Truncate(directory)}' is a file, not a directory");
        }

        using var services = IsolationChecker.LoadGatewayServices(line);
        var options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
        var partitions = await OrganizationData.CurrentPartitionsAsync(dynamoDb, options.Membership, "export", organization, cancellationToken).ConfigureAwait(false);
        var sources = await OrganizationData.ResolveAsync(dynamoDb, options, partitions, cancellationToken).ConfigureAwait(false);
        var c = CultureInfo.InvariantCulture;
        if (await ExportManifest.ReadAsync("export", directory, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            if (existing.OrganizationId != organization)
            {
                throw new UsageException($"export: '{directory}' holds the export of another organization ({existing.OrganizationId}); use another --out");
            }

            await stdout.WriteLineAsync(string.Create(c, $"export: '{directory}' already holds the complete export of {organization} ({existing.Items:N0} items, hash {existing.Hash}, exported {existing.ExportedAt:u}); nothing to do (for a fresh export use another --out)")).ConfigureAwait(false);
            return 0;
        }

        Directory.CreateDirectory(directory);
        var checkpoint = OffboardCheckpoint.Open(Path.Combine(directory, CheckpointFile), "export", organization, sources.Select(s => (s.Table, s.Membership ? [] : OrganizationData.Partitions(s, organization))).ToList(), time.GetUtcNow());
        if (checkpoint.Resumed)
        {
            await stdout.WriteLineAsync(string.Create(c, $"export: resuming {organization} from '{checkpoint.Path}' ({checkpoint.Units.Sum(u => u.Digest.Count):N0} items written, {checkpoint.Units.Count(u => u.Done)}/{checkpoint.Units.Count} tables done)")).ConfigureAwait(false);
        }
        else
        {
            checkpoint.Save();
        }

        var started = Stopwatch.GetTimestamp();
        var before = checkpoint.Units.Sum(u => u.Digest.Count);
        var progress = new CopyProgress(sources.ToDictionary(s => s.Table, _ => 0L, StringComparer.Ordinal), before, "export");
        await progress.RunAsync(async () =>
        {
            foreach (var source in sources)
            {
                await ExportTableAsync(dynamoDb, source, organization, directory, checkpoint, pageSize, progress, cancellationToken).ConfigureAwait(false);
            }
        }, stdout, interactive).ConfigureAwait(false);

        var tables = sources.Where(s => !s.Membership).Select(s => Entry(s, checkpoint.Unit(s.Table), organization)).ToList();
        var membershipSource = sources.Single(s => s.Membership);
        var all = new OrganizationDigest(keepItems: false);
        foreach (var source in sources.Where(s => !s.Membership))
        {
            all.Add(checkpoint.Unit(source.Table).Digest);
        }

        var manifest = new ExportManifest
        {
            OrganizationId = organization,
            StartedAt = checkpoint.StartedAt,
            ExportedAt = time.GetUtcNow(),
            ToolVersion = OrganizationData.ToolVersion,
            Items = all.Count,
            Hash = all.Hash,
            Tables = tables,
            Memberships = Entry(membershipSource, checkpoint.Unit(membershipSource.Table), organization),
        };
        await manifest.WriteAsync(directory, cancellationToken).ConfigureAwait(false);
        File.Delete(checkpoint.Path);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stdout.WriteLineAsync(string.Create(c,
            $"export: {organization}: {manifest.Items:N0} items in {tables.Count} tables ({string.Join(", ", tables.Select(t => $"{t.Table} {t.Items:N0}"))}) and {manifest.Memberships.Items:N0} membership rows; hash {manifest.Hash}; {elapsed:0.0} s; wrote {ExportManifest.PathIn(directory)}")).ConfigureAwait(false);
        return 0;
    }

    private static ManifestTable Entry(DataSource source, UnitProgress unit, string organization) => new()
    {
        Table = source.Table,
        File = source.File,
        OrganizationAttribute = source.Membership ? source.OrganizationAttribute : source.Key.PartitionKey,
        Partitions = source.Membership ? [] : OrganizationData.Partitions(source, organization),
        Items = unit.Digest.Count,
        Hash = unit.Digest.Hash,
    };

    private static async Task ExportTableAsync(IAmazonDynamoDB dynamoDb, DataSource source, string organization, string directory, OffboardCheckpoint checkpoint, int pageSize, CopyProgress progress, CancellationToken cancellationToken)
    {
        var unit = checkpoint.Unit(source.Table);
        if (unit.Done)
        {
            return;
        }

        var stream = new FileStream(Path.Combine(directory, source.File), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        await using (stream.ConfigureAwait(false))
        {
            // Whatever a killed run wrote after its last recorded page goes: the page is read and written again.
            stream.SetLength(unit.Length);
            stream.Seek(unit.Length, SeekOrigin.Begin);
            var partitions = OrganizationData.Partitions(source, organization);
            using var buffer = new MemoryStream();
            while (unit.Partition < partitions.Count)
            {
                await foreach (var page in OrganizationData.PagesAsync(dynamoDb, source, organization, partitions[unit.Partition], unit.Key, pageSize, cancellationToken).ConfigureAwait(false))
                {
                    buffer.SetLength(0);
                    using (var writer = new Utf8JsonWriter(buffer))
                    {
                        foreach (var item in page.Items)
                        {
                            writer.WriteStartObject();
                            writer.WritePropertyName("Item");
                            ItemCodec.WriteItem(writer, item);
                            writer.WriteEndObject();
                            writer.Flush();
                            buffer.WriteByte((byte)'\n');
                            writer.Reset();
                        }
                    }

                    await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
                    await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                    foreach (var item in page.Items)
                    {
                        unit.Digest.Add(item);
                    }

                    Advance(unit, page.NextKey);
                    unit.Length = stream.Position;
                    checkpoint.Save();
                    progress.Add(source.Table, page.Items.Count);
                }
            }

            unit.Done = true;
            checkpoint.Save();
        }
    }

    /// <summary>After a finished page: the key to resume after, or (the partition's last page) the next partition's beginning.</summary>
    public static void Advance(UnitProgress unit, Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>? nextKey)
    {
        ArgumentNullException.ThrowIfNull(unit);
        unit.Key = nextKey;
        if (nextKey is null)
        {
            unit.Partition++;
        }
    }

    /// <summary>--organization: a well-formed organization id (bad input otherwise).</summary>
    public static string Organization(CommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var organization = line.Required("--organization");
        return OrganizationId.IsWellFormed(organization)
            ? organization
            : throw new UsageException($"{line.Verb}: --organization '{CommandLine.Truncate(organization)}' is not a valid organization id");
    }
}
