using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Migration.Invocation;
using Gateway.Migration.Validation;

namespace Gateway.Migration.Offboarding;

/// <summary>One exported table in <c>manifest.json</c>: its file, the partition keys read, the item count and content hash.</summary>
internal sealed record ManifestTable
{
    public required string Table { get; init; }

    public required string File { get; init; }

    /// <summary>Tenant tables: the partition key attribute; the membership table: the organization attribute.</summary>
    public required string OrganizationAttribute { get; init; }

    /// <summary>Tenant tables: the partition key values read (the organization id; with issue 23 its shards). Empty for the membership table.</summary>
    public required IReadOnlyList<string> Partitions { get; init; }

    public required long Items { get; init; }

    /// <summary>The order-independent content hash <c>validate</c> computes (<see cref="OrganizationDigest.Hash"/>).</summary>
    public required string Hash { get; init; }

    public OrganizationDigest Digest() => OrganizationDigest.FromTotals(Items, Hash);
}

/// <summary>
/// <c>DIR/manifest.json</c>, written (atomically) when an export is complete: the organization, when, the tool version,
/// per tenant table its file, count and content hash, the same for the organization's membership rows, and
/// <see cref="Items"/>/<see cref="Hash"/> over the tenant tables (with one tenant table exactly <c>validate</c>'s
/// <c>targetHash</c> for the organization).
/// </summary>
internal sealed record ExportManifest
{
    public const string FileName = "manifest.json";
    public const int CurrentVersion = 1;
    public const string LineFormat = "DynamoDB JSON Lines: one {\"Item\": {name: AttributeValue}} per line";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public int Version { get; init; } = CurrentVersion;

    public required string OrganizationId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset ExportedAt { get; init; }

    public required string ToolVersion { get; init; }

    public string Format { get; init; } = LineFormat;

    /// <summary>Items of the tenant tables (memberships not included).</summary>
    public required long Items { get; init; }

    /// <summary>Content hash over the tenant tables' items (memberships not included).</summary>
    public required string Hash { get; init; }

    public required IReadOnlyList<ManifestTable> Tables { get; init; }

    public required ManifestTable Memberships { get; init; }

    public static string PathIn(string directory) => System.IO.Path.Combine(directory, FileName);

    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var path = PathIn(directory);
        var temp = path + ".tmp";
        await System.IO.File.WriteAllTextAsync(temp, JsonSerializer.Serialize(this, Json), cancellationToken).ConfigureAwait(false);
        System.IO.File.Move(temp, path, overwrite: true);
    }

    /// <summary>The manifest in <paramref name="directory"/>, or null when there is none.</summary>
    /// <exception cref="UsageException">The file exists but is not a manifest.</exception>
    public static async Task<ExportManifest?> ReadAsync(string verb, string directory, CancellationToken cancellationToken)
    {
        var path = PathIn(directory);
        if (!System.IO.File.Exists(path))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<ExportManifest>(await System.IO.File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Json)
                ?? throw new UsageException($"{verb}: manifest '{path}' is empty");
            if (manifest.Version != CurrentVersion)
            {
                throw new UsageException($"{verb}: manifest '{path}' has version {manifest.Version}, expected {CurrentVersion}");
            }

            if (manifest.Tables is null || manifest.Memberships is null || manifest.OrganizationId is null || manifest.Tables.Any(t => t is null))
            {
                throw new UsageException($"{verb}: manifest '{path}' lacks tables, memberships or organizationId");
            }

            foreach (var table in manifest.Tables.Append(manifest.Memberships))
            {
                _ = table.Digest(); // FormatException for a bad hash
            }

            return manifest;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException or FormatException or ArgumentNullException)
        {
            throw new UsageException($"{verb}: unreadable manifest '{path}' ({e.GetType().Name})", e);
        }
    }
}
