using System.Globalization;

namespace LoadTests.Topology;

/// <summary>
/// Reads a process's cumulative allocated bytes and CPU time from its Prometheus text endpoint: the gateway's
/// <c>/metrics</c> (the .NET <c>System.Runtime</c> meter) or PlainYarp's <see cref="BaselineProxy.MetricsPath"/> (the same
/// names). Read once before and once after a phase; the difference divided by the requests sent in between is the cost
/// per request. Off the hot path: nothing is recorded per request, the counters are read from the runtime on scrape.
/// </summary>
internal static class ProcessCounters
{
    public const string AllocatedBytes = "dotnet_gc_heap_total_allocated_bytes_total";
    public const string CpuSeconds = "dotnet_process_cpu_time_seconds_total";

    /// <summary>A sample, or null when the endpoint did not answer or lacks either counter.</summary>
    public static async Task<ProcessSample?> ReadAsync(HttpClient client, Uri metricsUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            using var response = await client.GetAsync(metricsUrl, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The trivial backend's length of the last <c>X-Tenant-Context</c> it received (PlainYarp's counters only).</summary>
    public const string TenantContextHeaderBytes = "baseline_tenant_context_header_bytes";

    /// <summary>The value of one unlabelled series, or null when the endpoint did not answer or lacks it.</summary>
    public static async Task<double?> ReadValueAsync(HttpClient client, Uri metricsUrl, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            using var response = await client.GetAsync(metricsUrl, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return text.Split('\n').Select(line => Value(line.Trim(), name)).FirstOrDefault(v => v is not null);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Sums every series of the two counters (CPU time comes per <c>cpu_mode</c>); comment lines are skipped.</summary>
    public static ProcessSample? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        double? bytes = null;
        double? cpu = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (Value(line, AllocatedBytes) is { } b)
            {
                bytes = (bytes ?? 0) + b;
            }
            else if (Value(line, CpuSeconds) is { } c)
            {
                cpu = (cpu ?? 0) + c;
            }
        }

        return bytes is { } allocated && cpu is { } seconds ? new ProcessSample(allocated, seconds) : null;
    }

    private static double? Value(string line, string name)
    {
        if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || (line[name.Length] != ' ' && line[name.Length] != '{'))
        {
            return null;
        }

        // "name{labels} value [timestamp]": the value follows the labels (or the name).
        var rest = line[name.Length..];
        if (rest[0] == '{')
        {
            var close = rest.IndexOf('}', StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }

            rest = rest[(close + 1)..];
        }

        var fields = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
