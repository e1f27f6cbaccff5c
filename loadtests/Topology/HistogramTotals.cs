using System.Globalization;

namespace LoadTests.Topology;

/// <summary>
/// The <c>_sum</c> and <c>_count</c> of Prometheus histograms in one scrape of a gateway's <c>/metrics</c>, summed over
/// the series whose labels contain a given <c>name="value"</c> pair (or over every series). Two scrapes around a phase
/// give the phase's mean per observation: (sum₂ − sum₁) ÷ (count₂ − count₁).
/// </summary>
internal sealed class HistogramTotals
{
    private readonly string _text;

    private HistogramTotals(string text) => _text = text;

    /// <summary>The scrape of <paramref name="metricsUrl"/>, or null when it did not answer.</summary>
    public static async Task<HistogramTotals?> ReadAsync(HttpClient client, Uri metricsUrl, CancellationToken cancellationToken)
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

    public static HistogramTotals Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new HistogramTotals(text);
    }

    /// <summary>(sum, count) of histogram <paramref name="name"/> (e.g. <c>gateway_sts_duration_seconds</c>) over the series with <paramref name="label"/> (<c>stage="decision"</c>; null: all).</summary>
    public (double Sum, double Count) Of(string name, string? label = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        double sum = 0, count = 0;
        foreach (var raw in _text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            var isSum = rest.StartsWith("_sum", StringComparison.Ordinal);
            if (!isSum && !rest.StartsWith("_count", StringComparison.Ordinal))
            {
                continue;
            }

            rest = rest[(isSum ? 4 : 6)..];
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{'))
            {
                continue;
            }

            var labels = string.Empty;
            if (rest[0] == '{')
            {
                var close = LabelsEnd(rest);
                if (close < 0)
                {
                    continue;
                }

                labels = rest[1..close];
                rest = rest[(close + 1)..];
            }

            if (label is not null && !("," + labels + ",").Contains("," + label + ",", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                if (isSum)
                {
                    sum += value;
                }
                else
                {
                    count += value;
                }
            }
        }

        return (sum, count);
    }

    /// <summary>The index of the <c>}</c> closing the label set that <paramref name="rest"/> opens: braces inside quoted values (a route's <c>{organizationId}</c>) do not count.</summary>
    private static int LabelsEnd(string rest)
    {
        var quoted = false;
        for (var i = 1; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case '\\' when quoted:
                    i++;
                    break;
                case '"':
                    quoted = !quoted;
                    break;
                case '}' when !quoted:
                    return i;
            }
        }

        return -1;
    }

    /// <summary>The mean (ms) per observation between <paramref name="before"/> and <paramref name="after"/>; 0 without observations.</summary>
    public static double MeanMs(HistogramTotals? before, HistogramTotals? after, string name, string? label = null)
        => Math.Round(MeanMsRaw(before, after, name, label), 3);

    /// <summary>The number of observations between two scrapes.</summary>
    public static double Observations(HistogramTotals? before, HistogramTotals? after, string name, string? label = null)
        => before is null || after is null ? 0 : after.Of(name, label).Count - before.Of(name, label).Count;

    private static double MeanMsRaw(HistogramTotals? before, HistogramTotals? after, string name, string? label)
    {
        if (before is null || after is null)
        {
            return 0;
        }

        var (sum1, count1) = before.Of(name, label);
        var (sum2, count2) = after.Of(name, label);
        return count2 > count1 ? (sum2 - sum1) / (count2 - count1) * 1000 : 0;
    }
}
