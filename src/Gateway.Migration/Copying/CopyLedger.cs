using System.Text;
using System.Text.Json;
using Gateway.Migration.Invocation;

namespace Gateway.Migration.Copying;

/// <summary>
/// What the migration tool itself wrote to the target: <c>PLAN.copied.jsonl</c> next to the plan (plan.json →
/// plan.copied.jsonl), one JSON line per target item written (<c>t</c> target table, <c>o</c> organization, <c>k</c> target
/// key, <c>h</c> content hash) or deleted (<c>h</c> null). <c>copy</c> and <c>cutover</c> append a page's lines
/// <em>before</em> writing it, so an item in the target that the ledger does not name with its current hash was written
/// by someone else (a seed, a backend through an isolated route, a user after a cutover): the cutover delta never
/// deletes or overwrites such an item, it reports it as a conflict. Appends are serialized with an exclusive file lock,
/// so concurrent <c>copy</c> and <c>cutover</c> runs do not interleave lines.
/// </summary>
internal static class CopyLedger
{
    public readonly record struct Entry(string Organization, string Key, string? Hash);

    public static string PathFor(string planPath) => Path.ChangeExtension(planPath, ".copied.jsonl");

    /// <summary>Appends <paramref name="entries"/> (one write, under the ledger's lock).</summary>
    public static async Task AppendAsync(string planPath, string table, IReadOnlyCollection<Entry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString("t", table);
                writer.WriteString("o", entry.Organization);
                writer.WriteString("k", entry.Key);
                writer.WriteString("h", entry.Hash);
                writer.WriteEndObject();
                writer.Flush();
                buffer.WriteByte((byte)'\n');
                writer.Reset();
            }
        }

        var stream = await OpenExclusiveAsync(PathFor(planPath), FileMode.Append, FileAccess.Write, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Target key → content hash of what the tool last wrote for <paramref name="organization"/> in <paramref name="table"/> (deleted keys absent).</summary>
    public static async Task<Dictionary<string, string>> ReadAsync(string planPath, string table, string organization, CancellationToken cancellationToken)
    {
        var copied = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = PathFor(planPath);
        if (!File.Exists(path))
        {
            return copied;
        }

        var stream = await OpenExclusiveAsync(path, FileMode.Open, FileAccess.Read, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var number = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    using var json = JsonDocument.Parse(line);
                    var root = json.RootElement;
                    if (root.GetProperty("t").GetString() != table || root.GetProperty("o").GetString() != organization)
                    {
                        continue;
                    }

                    var key = root.GetProperty("k").GetString() ?? throw new JsonException("k is null");
                    if (root.GetProperty("h").GetString() is { } hash)
                    {
                        copied[key] = hash;
                    }
                    else
                    {
                        copied.Remove(key);
                    }
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    // A line cut short by a kill is the last one; anything else is a damaged ledger.
                    if (reader.Peek() < 0)
                    {
                        break;
                    }

                    throw new UsageException($"unreadable copy ledger '{path}' (line {number}); without it cutover cannot tell what it copied", e);
                }
            }
        }

        return copied;
    }

    private static async Task<FileStream> OpenExclusiveAsync(string path, FileMode mode, FileAccess access, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, mode, access, FileShare.None, 1);
            }
            catch (IOException) when (attempt < 1200 && !(mode == FileMode.Open && !File.Exists(path)))
            {
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
