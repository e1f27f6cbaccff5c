using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;

namespace Gateway.Migration.Copying;

/// <summary>
/// Where a copy is: per Scan segment, the last key whose page was fully written (or done), and items written so far. It
/// belongs to one plan and one selection of organizations; saved atomically (temporary file + rename) after every page,
/// so a killed copy resumes at a page boundary and re-writes at most the pages in flight (puts are idempotent).
/// </summary>
internal sealed class Checkpoint
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Dictionary<string, AttributeValue>> _keys = [];
    private readonly HashSet<int> _done = [];

    private Checkpoint(string path, string planId, string selection, int segments)
    {
        Path = path;
        PlanId = planId;
        Selection = selection;
        Segments = segments;
    }

    public string Path { get; }

    public string PlanId { get; }

    public string Selection { get; }

    public int Segments { get; }

    public long Copied { get; private set; }

    public bool Resumed { get; private set; }

    public IReadOnlyDictionary<int, Dictionary<string, AttributeValue>> Keys => _keys;

    public IReadOnlySet<int> Done => _done;

    public bool Complete => _done.Count == Segments;

    /// <summary>
    /// Opens <paramref name="path"/> when it exists (it must belong to the same plan and selection), else a new checkpoint.
    /// Writes nothing.
    /// </summary>
    /// <exception cref="UsageException">The file is unreadable or belongs to another plan, selection or segment count.</exception>
    public static Checkpoint Open(string path, string planId, string selection, int segments)
    {
        var checkpoint = new Checkpoint(path, planId, selection, segments);
        if (!File.Exists(path))
        {
            return checkpoint;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.GetProperty("plan").GetString() != planId)
            {
                throw new UsageException($"copy: checkpoint '{path}' belongs to another plan; use a new --checkpoint file");
            }

            if (root.GetProperty("organizations").GetString() != selection || root.GetProperty("segments").GetInt32() != segments)
            {
                throw new UsageException($"copy: checkpoint '{path}' was written for other organizations or --segments; use a new --checkpoint file");
            }

            checkpoint.Copied = root.GetProperty("copied").GetInt64();
            foreach (var done in root.GetProperty("done").EnumerateArray())
            {
                checkpoint._done.Add(done.GetInt32());
            }

            foreach (var key in root.GetProperty("keys").EnumerateObject())
            {
                checkpoint._keys[int.Parse(key.Name, CultureInfo.InvariantCulture)] = ItemCodec.ReadKey(key.Value);
            }

            checkpoint.Resumed = true;
            return checkpoint;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"copy: unreadable checkpoint '{path}' ({e.GetType().Name}); fix or delete it", e);
        }
    }

    /// <summary>Records a fully written page of <paramref name="segment"/> and saves.</summary>
    public void Advance(int segment, Dictionary<string, AttributeValue>? nextKey, long written)
    {
        lock (_gate)
        {
            Copied += written;
            if (nextKey is null)
            {
                _keys.Remove(segment);
                _done.Add(segment);
            }
            else
            {
                _keys[segment] = nextKey;
            }

            Save();
        }
    }

    /// <summary>Saves the current state (e.g. a new checkpoint before the first page).</summary>
    public void Save()
    {
        lock (_gate)
        {
            var temp = Path + ".tmp";
            using (var stream = File.Create(temp))
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("plan", PlanId);
                writer.WriteString("organizations", Selection);
                writer.WriteNumber("segments", Segments);
                writer.WriteNumber("copied", Copied);
                writer.WriteStartArray("done");
                foreach (var done in _done.Order())
                {
                    writer.WriteNumberValue(done);
                }

                writer.WriteEndArray();
                writer.WriteStartObject("keys");
                foreach (var (segment, key) in _keys.OrderBy(k => k.Key))
                {
                    writer.WritePropertyName(segment.ToString(CultureInfo.InvariantCulture));
                    ItemCodec.WriteKey(writer, key);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            File.Move(temp, Path, overwrite: true);
        }
    }
}
