using System.Collections.Concurrent;
using System.Globalization;

namespace LoadTests.Scenarios;

/// <summary>
/// The first few 5xx answers (other than 503, which sts-outage expects) of a scenario (status, path, body truncated to 300 characters), so a report says what a
/// server error was instead of only counting it. Bodies are problem+json by contract and never carry secrets.
/// </summary>
internal static class ServerErrorSamples
{
    private const int Max = 5;
    private static readonly ConcurrentQueue<string> s_samples = new();
    private static int s_count;

    public static void Capture(int status, Uri? uri, string? body)
    {
        if (Interlocked.Increment(ref s_count) > Max)
        {
            return;
        }

        var text = (body ?? "").ReplaceLineEndings(" ");
        s_samples.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{status} {uri?.AbsolutePath}: {(text.Length > 300 ? text[..300] + "…" : text)}"));
    }

    /// <summary>Returns and forgets the samples collected so far.</summary>
    public static IReadOnlyList<string> Drain()
    {
        var list = new List<string>();
        while (s_samples.TryDequeue(out var sample))
        {
            list.Add(sample);
        }

        Interlocked.Exchange(ref s_count, 0);
        return list;
    }
}
