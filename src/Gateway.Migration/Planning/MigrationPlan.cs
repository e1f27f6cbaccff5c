using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;

namespace Gateway.Migration.Planning;

/// <summary>
/// <c>plan.json</c>: the legacy (source) and target tables and keys, how items are assigned to organizations, the item
/// count per organization, and the quarantine report (items that cannot be assigned; never copied).
/// </summary>
internal sealed record MigrationPlan
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public int Version { get; init; } = CurrentVersion;

    public required string SourceTable { get; init; }

    public required string TargetTable { get; init; }

    public required string OrganizationAttribute { get; init; }

    public string? SortKeyFrom { get; init; }

    public required KeyShape SourceKey { get; init; }

    public required KeyShape TargetKey { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required long TotalItems { get; init; }

    public required long AssignedItems { get; init; }

    /// <summary>Organization id → legacy item count, sorted by id.</summary>
    public required SortedDictionary<string, long> Organizations { get; init; }

    public required IReadOnlyList<QuarantinedItem> Quarantine { get; init; }

    public ItemMapper Mapper() => new(OrganizationAttribute, SortKeyFrom, SourceKey, TargetKey);

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(this, Json), cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
    }

    /// <exception cref="UsageException">The file is missing or not a plan.</exception>
    public static async Task<MigrationPlan> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var plan = JsonSerializer.Deserialize<MigrationPlan>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Json)
                ?? throw new UsageException($"plan '{path}' is empty");
            return plan.Version == CurrentVersion ? plan : throw new UsageException($"plan '{path}' has version {plan.Version}, expected {CurrentVersion}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            throw new UsageException($"cannot read plan '{path}': {e.GetType().Name} (run plan first, or pass --plan FILE)", e);
        }
    }

    /// <summary>The organizations a verb acts on: <c>--organizations A,B</c> (each must be in the plan) or <c>--all</c>.</summary>
    public IReadOnlyList<string> Select(CommandLine line, bool allowAllByDefault)
    {
        ArgumentNullException.ThrowIfNull(line);
        var list = line.Get("--organizations");
        if (list is not null && line.Has("--all"))
        {
            throw new UsageException($"{line.Verb}: give --organizations or --all, not both");
        }

        if (list is null)
        {
            return line.Has("--all") || allowAllByDefault
                ? Organizations.Keys.ToList()
                : throw new UsageException($"{line.Verb}: --organizations A,B or --all is required");
        }

        var selected = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        var unknown = selected.FirstOrDefault(o => !Organizations.ContainsKey(o));
        return selected.Count == 0 ? throw new UsageException($"{line.Verb}: --organizations is empty")
            : unknown is not null ? throw new UsageException($"{line.Verb}: organization '{CommandLine.Truncate(unknown)}' is not in the plan")
            : selected.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The plan's identity in copy checkpoints and the validation state: source, target and creation time.</summary>
    public static string IdOf(MigrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return string.Create(CultureInfo.InvariantCulture, $"{plan.SourceTable}→{plan.TargetTable}@{plan.CreatedAt:O}");
    }
}
