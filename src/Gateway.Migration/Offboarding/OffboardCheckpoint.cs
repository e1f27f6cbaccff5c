using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Offboarding;

/// <summary>Where an export or erase is in one table: the partition reached, the key after the last finished page, and what it covered so far.</summary>
internal sealed class UnitProgress(string table)
{
    public string Table { get; } = table;

    /// <summary>Index into <see cref="Partitions"/>.</summary>
    public int Partition { get; set; }

    /// <summary>
    /// The partition keys this unit reads, in order (<see cref="OrganizationData.Partitions"/>; empty for the membership
    /// table): <see cref="Partition"/> and <see cref="Key"/> mean something only for this list, so a re-run that would
    /// read other keys (the organization was resharded meanwhile) is refused rather than continued.
    /// </summary>
    public IReadOnlyList<string> Partitions { get; set; } = [];

    /// <summary>The key to resume after in <see cref="Partition"/> (null: its beginning).</summary>
    public Dictionary<string, AttributeValue>? Key { get; set; }

    public bool Done { get; set; }

    /// <summary>export: bytes of the table's file that belong to finished pages (a re-run truncates to it).</summary>
    public long Length { get; set; }

    /// <summary>Items exported (export) or deleted (erase) so far: count and content hash.</summary>
    public OrganizationDigest Digest { get; set; } = new(keepItems: false);
}

/// <summary>
/// The checkpoint of <c>export</c> (<c>DIR/export.checkpoint.json</c>) or <c>erase</c> (<c>DIR/erase.checkpoint.json</c>):
/// one organization, per table its <see cref="UnitProgress"/>, saved atomically (temporary file + rename) after every
/// page. <c>erase</c> also keeps what it found before deleting (<see cref="Before"/>, verified against the export), the
/// export it checked, and the page being deleted (<see cref="Pending"/>, written before its BatchWriteItem): a re-run
/// deletes that page again (a delete of a missing key changes nothing) and counts it once.
/// </summary>
internal sealed class OffboardCheckpoint
{
    private OffboardCheckpoint(string path, string verb, string organization, DateTimeOffset startedAt)
    {
        Path = path;
        Verb = verb;
        Organization = organization;
        StartedAt = startedAt;
    }

    public string Path { get; }

    public string Verb { get; }

    public string Organization { get; }

    public DateTimeOffset StartedAt { get; }

    public bool Resumed { get; private set; }

    public List<UnitProgress> Units { get; } = [];

    /// <summary>erase: each table's count and hash when the erase started.</summary>
    public Dictionary<string, OrganizationDigest> Before { get; } = new(StringComparer.Ordinal);

    /// <summary>erase: the manifest it checked (null with --no-export).</summary>
    public string? ExportManifest { get; set; }

    /// <summary>erase: the page whose delete was sent last and not yet counted.</summary>
    public (string Table, List<Dictionary<string, AttributeValue>> Keys, OrganizationDigest Digest)? Pending { get; set; }

    public UnitProgress Unit(string table) => Units.First(u => u.Table == table);

    /// <summary>
    /// Opens <paramref name="path"/> when it exists (it must be of the same verb and organization, and its tables must
    /// read the same partition keys), else a new one for <paramref name="tables"/> (each with the partition keys it reads). Writes nothing.
    /// </summary>
    /// <exception cref="UsageException">Unreadable, or of another organization, table list or partition keys.</exception>
    public static OffboardCheckpoint Open(string path, string verb, string organization, IReadOnlyList<(string Table, IReadOnlyList<string> Partitions)> tables, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (!File.Exists(path))
        {
            var fresh = new OffboardCheckpoint(path, verb, organization, now);
            fresh.Units.AddRange(tables.Select(t => new UnitProgress(t.Table) { Partitions = t.Partitions }));
            return fresh;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var of = root.GetProperty("organizationId").GetString();
            if (root.GetProperty("verb").GetString() != verb || of != organization)
            {
                throw new UsageException($"{verb}: '{path}' is the checkpoint of another organization ({of}); use another directory");
            }

            var checkpoint = new OffboardCheckpoint(path, verb, organization, root.GetProperty("startedAt").GetDateTimeOffset()) { Resumed = true };
            foreach (var unit in root.GetProperty("tables").EnumerateArray())
            {
                checkpoint.Units.Add(new UnitProgress(unit.GetProperty("table").GetString()!)
                {
                    Partition = unit.GetProperty("partition").GetInt32(),
                    Partitions = unit.TryGetProperty("partitions", out var keys) ? keys.EnumerateArray().Select(k => k.GetString()!).ToArray() : [],
                    Key = unit.GetProperty("key").ValueKind == JsonValueKind.Null ? null : ItemCodec.ReadKey(unit.GetProperty("key")),
                    Done = unit.GetProperty("done").GetBoolean(),
                    Length = unit.GetProperty("length").GetInt64(),
                    Digest = OrganizationDigest.FromTotals(unit.GetProperty("items").GetInt64(), unit.GetProperty("hash").GetString()!),
                });
            }

            if (!checkpoint.Units.Select(u => u.Table).SequenceEqual(tables.Select(t => t.Table), StringComparer.Ordinal))
            {
                throw new UsageException($"{verb}: checkpoint '{path}' lists other tables than the gateway configuration now ({string.Join(", ", tables.Select(t => t.Table))}); use another directory");
            }

            foreach (var (unit, (table, partitions)) in checkpoint.Units.Zip(tables))
            {
                if (!unit.Partitions.SequenceEqual(partitions, StringComparer.Ordinal))
                {
                    throw new UsageException($"{verb}: checkpoint '{path}' is of an interrupted {verb} of {organization} that read {table} at {Describe(unit.Partitions)}; its keys are {Describe(partitions)} now (resharded since): continuing would skip or repeat items; {verb} into a new directory");
                }
            }

            foreach (var before in root.GetProperty("before").EnumerateObject())
            {
                checkpoint.Before[before.Name] = OrganizationDigest.FromTotals(before.Value.GetProperty("items").GetInt64(), before.Value.GetProperty("hash").GetString()!);
            }

            checkpoint.ExportManifest = root.GetProperty("exportManifest").GetString();
            if (root.GetProperty("pending") is { ValueKind: JsonValueKind.Object } pending)
            {
                checkpoint.Pending = (pending.GetProperty("table").GetString()!,
                    pending.GetProperty("keys").EnumerateArray().Select(ItemCodec.ReadKey).ToList(),
                    OrganizationDigest.FromTotals(pending.GetProperty("items").GetInt64(), pending.GetProperty("hash").GetString()!));
            }

            return checkpoint;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{verb}: unreadable checkpoint '{path}' ({e.GetType().Name}); fix or delete it", e);
        }
    }

    private static string Describe(IReadOnlyList<string> partitions)
        => partitions.Count switch
        {
            0 => "no recorded partition key",
            1 => $"the key {partitions[0]}",
            _ => $"the {partitions.Count} keys {partitions[0]} … {partitions[^1]}",
        };

    public void Save()
    {
        var temp = Path + ".tmp";
        using (var stream = File.Create(temp))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("verb", Verb);
            writer.WriteString("organizationId", Organization);
            writer.WriteString("startedAt", StartedAt);
            writer.WriteStartArray("tables");
            foreach (var unit in Units)
            {
                writer.WriteStartObject();
                writer.WriteString("table", unit.Table);
                writer.WriteNumber("partition", unit.Partition);
                writer.WriteStartArray("partitions");
                foreach (var partition in unit.Partitions)
                {
                    writer.WriteStringValue(partition);
                }

                writer.WriteEndArray();
                writer.WritePropertyName("key");
                if (unit.Key is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    ItemCodec.WriteKey(writer, unit.Key);
                }

                writer.WriteBoolean("done", unit.Done);
                writer.WriteNumber("length", unit.Length);
                writer.WriteNumber("items", unit.Digest.Count);
                writer.WriteString("hash", unit.Digest.Hash);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("before");
            foreach (var (table, digest) in Before)
            {
                writer.WriteStartObject(table);
                writer.WriteNumber("items", digest.Count);
                writer.WriteString("hash", digest.Hash);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteString("exportManifest", ExportManifest);
            writer.WritePropertyName("pending");
            if (Pending is { } pending)
            {
                writer.WriteStartObject();
                writer.WriteString("table", pending.Table);
                writer.WriteNumber("items", pending.Digest.Count);
                writer.WriteString("hash", pending.Digest.Hash);
                writer.WriteStartArray("keys");
                foreach (var key in pending.Keys)
                {
                    ItemCodec.WriteKey(writer, key);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndObject();
        }

        File.Move(temp, Path, overwrite: true);
    }
}
