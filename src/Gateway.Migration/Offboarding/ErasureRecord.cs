using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Migration.Offboarding;

/// <summary>One table of an erasure: what was there when it started, what was deleted, and what a final read found (0).</summary>
internal sealed record ErasedTable(string Table, string OrganizationAttribute, IReadOnlyList<string> Partitions, bool Membership, long ItemsBefore, string HashBefore, long ItemsDeleted, string HashDeleted, long Remaining);

/// <summary>
/// <c>erasure.md</c> and <c>erasure.json</c> (same content): who erased which organization (the caller identity from STS
/// GetCallerIdentity), when, against which export (or <c>--no-export</c>), per table the count and content hash before
/// and of what was deleted, and the proof: a final strongly consistent Query (the Scan for membership rows keyed by user)
/// per table and partition that found <see cref="ErasedTable.Remaining"/> = 0.
/// </summary>
internal sealed record ErasureRecord
{
    public const string JsonFile = "erasure.json";
    public const string MarkdownFile = "erasure.md";

    public required string OrganizationId { get; init; }

    public required string CallerArn { get; init; }

    public required string CallerAccount { get; init; }

    public required string CallerUserId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset CompletedAt { get; init; }

    public required string ToolVersion { get; init; }

    /// <summary>The export's manifest checked before anything was deleted; null with <c>--no-export</c>.</summary>
    public required string? ExportManifest { get; init; }

    public required string? ExportHash { get; init; }

    public required IReadOnlyList<ErasedTable> Tables { get; init; }

    public long ItemsDeleted => Tables.Where(t => !t.Membership).Sum(t => t.ItemsDeleted);

    public long MembershipsDeleted => Tables.Where(t => t.Membership).Sum(t => t.ItemsDeleted);

    public long Remaining => Tables.Sum(t => t.Remaining);

    /// <summary>The content hash over the tenant tables' deleted items (comparable with the manifest's <c>hash</c>).</summary>
    public required string HashDeleted { get; init; }

    public bool Complete => Remaining == 0;

    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        await WriteAtomicAsync(Path.Combine(directory, MarkdownFile), ToMarkdown(), cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            WriteJson(writer);
        }

        await WriteAtomicAsync(Path.Combine(directory, JsonFile), Encoding.UTF8.GetString(buffer.ToArray()), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The organization and completion time of the record in <paramref name="directory"/>, if any.</summary>
    public static (string OrganizationId, DateTimeOffset CompletedAt, bool Complete)? Peek(string directory)
    {
        var path = Path.Combine(directory, JsonFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            return (root.GetProperty("organizationId").GetString()!, root.GetProperty("completedAt").GetDateTimeOffset(), root.GetProperty("complete").GetBoolean());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException)
        {
            throw new Invocation.UsageException($"erase: unreadable erasure record '{path}' ({e.GetType().Name})", e);
        }
    }

    private static async Task WriteAtomicAsync(string path, string content, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path + ".tmp", content, cancellationToken).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteNumber("version", 1);
        writer.WriteString("organizationId", OrganizationId);
        writer.WriteStartObject("erasedBy");
        writer.WriteString("arn", CallerArn);
        writer.WriteString("account", CallerAccount);
        writer.WriteString("userId", CallerUserId);
        writer.WriteEndObject();
        writer.WriteString("startedAt", StartedAt);
        writer.WriteString("completedAt", CompletedAt);
        writer.WriteString("toolVersion", ToolVersion);
        writer.WriteBoolean("noExport", ExportManifest is null);
        writer.WriteString("exportManifest", ExportManifest);
        writer.WriteString("exportHash", ExportHash);
        writer.WriteNumber("itemsDeleted", ItemsDeleted);
        writer.WriteString("hashDeleted", HashDeleted);
        writer.WriteNumber("membershipsDeleted", MembershipsDeleted);
        writer.WriteNumber("remaining", Remaining);
        writer.WriteBoolean("complete", Complete);
        writer.WriteStartArray("tables");
        foreach (var t in Tables)
        {
            writer.WriteStartObject();
            writer.WriteString("table", t.Table);
            writer.WriteBoolean("membership", t.Membership);
            writer.WriteString("organizationAttribute", t.OrganizationAttribute);
            writer.WriteStartArray("partitions");
            foreach (var p in t.Partitions)
            {
                writer.WriteStringValue(p);
            }

            writer.WriteEndArray();
            writer.WriteNumber("itemsBefore", t.ItemsBefore);
            writer.WriteString("hashBefore", t.HashBefore);
            writer.WriteNumber("itemsDeleted", t.ItemsDeleted);
            writer.WriteString("hashDeleted", t.HashDeleted);
            writer.WriteNumber("remaining", t.Remaining);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Erasure of organization {OrganizationId}");
        md.AppendLine();
        md.AppendLine(c, $"**{(Complete ? "COMPLETE" : "INCOMPLETE")}**: {ItemsDeleted:N0} items and {MembershipsDeleted:N0} membership rows deleted; a final read of every table found {Remaining:N0} items of {OrganizationId}.");
        md.AppendLine();
        md.AppendLine(c, $"- erased by: `{CallerArn}` (account {CallerAccount}, user id `{CallerUserId}`, from STS GetCallerIdentity)");
        md.AppendLine(c, $"- started {StartedAt:u}, completed {CompletedAt:u}; tool {ToolVersion}");
        md.AppendLine(ExportManifest is null
            ? "- export: none (`--no-export` given explicitly)"
            : string.Create(c, $"- export: `{ExportManifest}`, hash `{ExportHash}`; the data matched it (count and hash per table) before anything was deleted"));
        md.AppendLine(c, $"- content hash of the deleted tenant items: `{HashDeleted}`");
        md.AppendLine();
        md.AppendLine("| table | keyed by | items before | hash before | deleted | hash deleted | remaining (final read) |");
        md.AppendLine("|---|---|---:|---|---:|---|---:|");
        foreach (var t in Tables)
        {
            var keyed = t.Membership ? $"{t.OrganizationAttribute} = {OrganizationId} (membership rows)" : $"{t.OrganizationAttribute} ∈ {{{string.Join(", ", t.Partitions)}}}";
            md.AppendLine(c, $"| {t.Table} | {keyed} | {t.ItemsBefore:N0} | `{t.HashBefore}` | {t.ItemsDeleted:N0} | `{t.HashDeleted}` | {t.Remaining:N0} |");
        }

        return md.ToString();
    }
}
