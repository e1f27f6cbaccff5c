using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Offboarding;
using Gateway.Migration.Sharding;
using Gateway.Migration.Validation;
using Gateway.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Migration.Resharding;

/// <summary>
/// <c>recommend [--organizations A,B] [--metrics FILE --window SECONDS [--baseline FILE] [--metric NAME]]
/// [--target-utilization F] [--json] [--segments N]</c>: per organization its items and their size in the configured
/// tenant tables (a parallel Scan of each, every shard key counted for its organization) and its shard count; with a
/// Prometheus text export of per-organization request counters, its read and write rates and a suggested shard count
/// from DynamoDB's per-key budgets (<see cref="WriteUnitsPerKey"/>, <see cref="ReadUnitsPerKey"/>). It changes nothing:
/// resharding stays the operator's decision (<c>reshard</c>).
/// </summary>
internal static class RecommendCommand
{
    public static readonly string[] Options = ["--organizations", "--metrics", "--baseline", "--window", "--metric", "--target-utilization", "--segments"];
    public static readonly string[] Flags = ["--json"];

    /// <summary>DynamoDB's write budget of one partition-key value: 1,000 write units per second.</summary>
    public const double WriteUnitsPerKey = 1000;

    /// <summary>DynamoDB's read budget of one partition-key value: 3,000 read units per second.</summary>
    public const double ReadUnitsPerKey = 3000;

    /// <summary>The series read from <c>--metrics</c> unless <c>--metric</c> names another.</summary>
    public const string DefaultMetric = "gateway_organization_requests_total";

    public sealed record Row(string OrganizationId, string? Status, int Shards, long Items, long Bytes, long LargestItem, double? ReadsPerSecond, double? WritesPerSecond, double? WriteUnitsPerKeyNeeded, double? ReadUnitsPerKeyNeeded, int? Suggested, string Advice);

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        var c = CultureInfo.InvariantCulture;
        var segments = line.PositiveInt("--segments", 4);
        var only = line.Get("--organizations") is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) : null;
        if (only is not null && only.FirstOrDefault(o => !OrganizationId.IsWellFormed(o)) is { } bad)
        {
            throw new UsageException($"recommend: --organizations: '{CommandLine.Truncate(bad)}' is not a valid organization id");
        }

        var utilization = line.Get("--target-utilization") is { } u
            ? double.TryParse(u, NumberStyles.AllowDecimalPoint, c, out var f) && f > 0 && f <= 1 ? f : throw new UsageException($"recommend: --target-utilization must be a number in (0, 1] (was '{CommandLine.Truncate(u)}')")
            : 0.5;
        var rates = await ReadRatesAsync(line, cancellationToken).ConfigureAwait(false);

        using var services = IsolationChecker.LoadGatewayServices(line);
        var options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
        var sources = (await OrganizationData.ResolveAsync(dynamoDb, options, null, cancellationToken).ConfigureAwait(false)).Where(s => !s.Membership).ToList();
        var sizes = new Dictionary<string, (long Items, long Bytes, long Largest)>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            await foreach (var page in Tables.ScanAsync(dynamoDb, source.Table, segments, null, null, null, cancellationToken).ConfigureAwait(false))
            {
                foreach (var item in page.Items)
                {
                    if (!item.TryGetValue(source.Key.PartitionKey, out var key) || key.S is not { } value)
                    {
                        continue;
                    }

                    var organization = value.Split(TenantShards.Separator, 2)[0];
                    if (only is not null && !only.Contains(organization))
                    {
                        continue;
                    }

                    var size = ItemSize(item);
                    var (items, bytes, largest) = sizes.GetValueOrDefault(organization, (0L, 0L, 0L));
                    sizes[organization] = (items + 1, bytes + size, Math.Max(largest, size));
                }
            }
        }

        var ids = sizes.Keys.Union(rates?.Keys ?? Enumerable.Empty<string>(), StringComparer.Ordinal).Union(only ?? [], StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var rows = new List<Row>(ids.Count);
        foreach (var id in ids)
        {
            ShardState? state = null;
            if (OrganizationId.IsWellFormed(id))
            {
                try
                {
                    state = await ShardState.ReadAsync(dynamoDb, options.Membership, id, cancellationToken).ConfigureAwait(false);
                }
                catch (UsageException)
                {
                    state = new ShardState("(invalid shards)", 1, null, null, null, null);
                }
            }

            var (items, bytes, largest) = sizes.GetValueOrDefault(id, (0L, 0L, 0L));
            rows.Add(Recommend(id, state?.Status, state?.Shards ?? 1, items, bytes, largest, rates?.GetValueOrDefault(id), utilization));
        }

        if (line.Has("--json"))
        {
            await stdout.WriteLineAsync(Json(rows, utilization, rates is not null)).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync(Table(rows, utilization, rates is not null)).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// The suggestion for one organization. Units per request from its average item size (a write: ⌈size / 1 KB⌉ write
    /// units; a read: ⌈size / 4 KB⌉ read units, strongly consistent), per key per second with N shards:
    /// W·wcu / N and R·rcu / N; the smallest power of two N (1 … 64) for which both stay within
    /// <paramref name="utilization"/> of the key's budget.
    /// </summary>
    public static Row Recommend(string organization, string? status, int shards, long items, long bytes, long largest, (double Reads, double Writes)? rate, double utilization)
    {
        if (rate is not { } r)
        {
            return new Row(organization, status, shards, items, bytes, largest, null, null, null, null, null, "no request rates (give --metrics)");
        }

        var average = items > 0 ? (double)bytes / items : 1;
        var wcu = Math.Max(1, Math.Ceiling(average / 1024));
        var rcu = Math.Max(1, Math.Ceiling(average / 4096));
        var writeUnits = r.Writes * wcu;
        var readUnits = r.Reads * rcu;
        var needed = Math.Max(writeUnits / (WriteUnitsPerKey * utilization), readUnits / (ReadUnitsPerKey * utilization));
        var suggested = 1;
        while (suggested < TenantShards.MaxShards && suggested < needed)
        {
            suggested *= 2;
        }

        var advice = needed > TenantShards.MaxShards
            ? string.Create(CultureInfo.InvariantCulture, $"needs {needed:0.#} keys: more than {TenantShards.MaxShards} shards can give")
            : suggested == shards ? "keep"
            : suggested > shards ? string.Create(CultureInfo.InvariantCulture, $"reshard --organization {organization} --shards {suggested}")
            : string.Create(CultureInfo.InvariantCulture, $"could go down: reshard --organization {organization} --shards {suggested}");
        return new Row(organization, status, shards, items, bytes, largest, r.Reads, r.Writes, Math.Round(writeUnits / suggested, 1), Math.Round(readUnits / suggested, 1), suggested, advice);
    }

    /// <summary>DynamoDB's item size, as it bills it: attribute names plus values (strings and binary by length, numbers ≈ 1 byte per 2 digits + 1, 1 byte for booleans and null, 3 bytes of overhead per list or map plus 1 per element).</summary>
    public static long ItemSize(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + ValueSize(a.Value));
    }

    private static long ValueSize(AttributeValue value)
        => value.S is { } s ? Encoding.UTF8.GetByteCount(s)
            : value.N is { } n ? NumberSize(n)
            : value.B is { } b ? b.Length
            : value.SS is { Count: > 0 } ss ? ss.Sum(x => (long)Encoding.UTF8.GetByteCount(x))
            : value.NS is { Count: > 0 } ns ? ns.Sum(NumberSize)
            : value.BS is { Count: > 0 } bs ? bs.Sum(x => x.Length)
            : value.L is { Count: > 0 } l ? 3 + l.Sum(x => 1 + ValueSize(x))
            : value.M is { Count: > 0 } m ? 3 + m.Sum(x => 1 + Encoding.UTF8.GetByteCount(x.Key) + ValueSize(x.Value))
            : value.IsLSet || value.IsMSet ? 3
            : 1;

    private static long NumberSize(string n) => (n.Count(char.IsAsciiDigit) + 1) / 2 + 1;

    /// <summary>
    /// Per organization, reads and writes per second from <c>--metrics FILE</c> (a Prometheus text export): the counter
    /// <c>--metric</c> (default <see cref="DefaultMetric"/>) by its <c>organization</c> label, split by <c>access</c>
    /// (<c>read</c>; <c>write</c> or absent: a write, the costlier side), minus <c>--baseline FILE</c> (an earlier export),
    /// divided by <c>--window</c> seconds (the time between the two exports, or since the gateway started).
    /// </summary>
    private static async Task<Dictionary<string, (double Reads, double Writes)>?> ReadRatesAsync(CommandLine line, CancellationToken cancellationToken)
    {
        var file = line.Get("--metrics");
        if (file is null)
        {
            return line.Get("--baseline") is not null || line.Get("--window") is not null || line.Get("--metric") is not null
                ? throw new UsageException("recommend: --baseline, --window and --metric go with --metrics FILE")
                : null;
        }

        var window = line.Get("--window") is { } w
            ? double.TryParse(w, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : throw new UsageException($"recommend: --window must be a positive number of seconds (was '{CommandLine.Truncate(w)}')")
            : throw new UsageException("recommend: --window SECONDS is required with --metrics (how long the counters counted: since --baseline, or since the gateway started)");
        var metric = line.Get("--metric") ?? DefaultMetric;
        var now = await ReadCountersAsync(file, metric, cancellationToken).ConfigureAwait(false);
        var before = line.Get("--baseline") is { } baseline ? await ReadCountersAsync(baseline, metric, cancellationToken).ConfigureAwait(false) : [];
        if (now.Count == 0)
        {
            throw new UsageException($"recommend: '{CommandLine.Truncate(file)}' has no sample of {metric} with an organization label");
        }

        var rates = new Dictionary<string, (double Reads, double Writes)>(StringComparer.Ordinal);
        foreach (var ((organization, write), value) in now)
        {
            var delta = Math.Max(0, value - before.GetValueOrDefault((organization, write)));
            var (reads, writes) = rates.GetValueOrDefault(organization);
            rates[organization] = write ? (reads, writes + (delta / window)) : (reads + (delta / window), writes);
        }

        return rates;
    }

    /// <summary>(organization, write?) → counter value, from Prometheus text exposition lines <c>name{label="v",…} value [timestamp]</c>.</summary>
    internal static async Task<Dictionary<(string Organization, bool Write), double>> ReadCountersAsync(string file, string metric, CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"recommend: cannot read '{CommandLine.Truncate(file)}' ({e.GetType().Name})", e);
        }

        var counters = new Dictionary<(string, bool), double>();
        foreach (var raw in lines)
        {
            var text = raw.Trim();
            if (text.Length == 0 || text[0] == '#' || !text.StartsWith(metric, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = text[metric.Length..];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (rest.StartsWith('{'))
            {
                var end = LabelsEnd(rest);
                if (end < 0)
                {
                    throw new UsageException($"recommend: '{CommandLine.Truncate(file)}': a {metric} line has unterminated labels");
                }

                ParseLabels(rest[1..end], labels);
                rest = rest[(end + 1)..];
            }
            else if (rest.Length > 0 && !char.IsWhiteSpace(rest[0]))
            {
                continue; // another metric whose name starts with this one
            }

            var fields = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !labels.TryGetValue("organization", out var organization))
            {
                continue;
            }

            var write = !labels.TryGetValue("access", out var access) || access != "read";
            counters[(organization, write)] = counters.GetValueOrDefault((organization, write)) + value;
        }

        return counters;
    }

    private static int LabelsEnd(string text)
    {
        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            if (quoted && text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && text[i] == '}')
            {
                return i;
            }
        }

        return -1;
    }

    private static void ParseLabels(string text, Dictionary<string, string> labels)
    {
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= text.Length || text[eq + 1] != '"')
            {
                return;
            }

            var name = text[i..eq].Trim().TrimStart(',').Trim();
            var value = new StringBuilder();
            var j = eq + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            labels[name] = value.ToString();
            i = j + 1;
        }
    }

    private static string Table(List<Row> rows, double utilization, bool withRates)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(string.Create(c, $"recommend: {rows.Count} organizations; {rows.Sum(r => r.Items):N0} items, {Bytes(rows.Sum(r => r.Bytes))} in the tenant tables{(withRates ? $"; suggested shards keep each key within {utilization:P0} of 1,000 write / 3,000 read units per second" : string.Empty)}"));
        string[] header = withRates
            ? ["organization", "status", "shards", "items", "size", "largest", "reads/s", "writes/s", "WCU/key", "RCU/key", "suggested", "advice"]
            : ["organization", "status", "shards", "items", "size", "largest"];
        var cells = rows.Select(r => withRates
            ? new[] { r.OrganizationId, r.Status ?? "-", r.Shards.ToString(c), r.Items.ToString("N0", c), Bytes(r.Bytes), Bytes(r.LargestItem), Rate(r.ReadsPerSecond), Rate(r.WritesPerSecond), Rate(r.WriteUnitsPerKeyNeeded), Rate(r.ReadUnitsPerKeyNeeded), r.Suggested?.ToString(c) ?? "-", r.Advice }
            : [r.OrganizationId, r.Status ?? "-", r.Shards.ToString(c), r.Items.ToString("N0", c), Bytes(r.Bytes), Bytes(r.LargestItem)]).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
        text.AppendLine(string.Join("  ", header.Select((h, i) => i == header.Length - 1 ? h : h.PadRight(widths[i]))));
        foreach (var row in cells)
        {
            text.AppendLine(string.Join("  ", row.Select((v, i) => i == row.Length - 1 ? v : i is >= 2 and <= 10 ? v.PadLeft(widths[i]) : v.PadRight(widths[i]))));
        }

        text.Append("Resharding is your decision: reshard --organization X --shards N (docs/migration.md).");
        return text.ToString();
    }

    private static string Json(List<Row> rows, double utilization, bool withRates)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("keyWriteUnitsPerSecond", WriteUnitsPerKey);
            writer.WriteNumber("keyReadUnitsPerSecond", ReadUnitsPerKey);
            writer.WriteNumber("targetUtilization", utilization);
            writer.WriteBoolean("rates", withRates);
            writer.WriteStartArray("organizations");
            foreach (var r in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("organizationId", r.OrganizationId);
                writer.WriteString("status", r.Status);
                writer.WriteNumber("shards", r.Shards);
                writer.WriteNumber("items", r.Items);
                writer.WriteNumber("bytes", r.Bytes);
                writer.WriteNumber("largestItemBytes", r.LargestItem);
                Number(writer, "readsPerSecond", r.ReadsPerSecond);
                Number(writer, "writesPerSecond", r.WritesPerSecond);
                Number(writer, "writeUnitsPerKeyPerSecond", r.WriteUnitsPerKeyNeeded);
                Number(writer, "readUnitsPerKeyPerSecond", r.ReadUnitsPerKeyNeeded);
                if (r.Suggested is { } s)
                {
                    writer.WriteNumber("suggestedShards", s);
                }
                else
                {
                    writer.WriteNull("suggestedShards");
                }

                writer.WriteString("advice", r.Advice);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, Math.Round(v, 2));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string Rate(double? value) => value is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) : "-";

    private static string Bytes(long bytes)
        => bytes >= 1 << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB")
            : bytes >= 1 << 10 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
}
