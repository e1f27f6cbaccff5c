using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Gateway.Migration.Copying;

/// <summary>
/// Copy progress: on an interactive terminal Spectre.Console bars, overall and per organization (the first
/// <see cref="MaxOrganizationBars"/> selected; the overall bar covers the rest), each with items/s and ETA; otherwise
/// (redirected output, CI) one plain line every 2 seconds. Both end with the same summary line. <c>export</c> uses it
/// per table with no expected totals (a bar without ETA; the plain line shows items and items/s).
/// </summary>
internal sealed class CopyProgress
{
    public const int MaxOrganizationBars = 20;
    private readonly ConcurrentDictionary<string, long> _done = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, long> _expected;
    private readonly long _total;
    private readonly string _verb;
    private long _copied;

    public CopyProgress(IReadOnlyDictionary<string, long> expected, long alreadyCopied, string verb = "copy")
    {
        _expected = expected;
        _total = expected.Values.Sum();
        _copied = alreadyCopied;
        _verb = verb;
    }

    public long Copied => Interlocked.Read(ref _copied);

    public void Add(string organization, long items)
    {
        _done.AddOrUpdate(organization, items, (_, n) => n + items);
        Interlocked.Add(ref _copied, items);
    }

    /// <summary>Runs <paramref name="work"/> while showing progress on <paramref name="stdout"/>.</summary>
    public async Task RunAsync(Func<Task> work, TextWriter stdout, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(stdout);
        var started = Stopwatch.GetTimestamp();
        var startCopied = Copied;
        if (!interactive)
        {
            var task = work();
            while (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false) != task)
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var rate = (Copied - startCopied) / Math.Max(elapsed, 0.001);
                var eta = rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, _total - Copied) / rate) : TimeSpan.Zero;
                await stdout.WriteLineAsync(_total == 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{_verb}: {Copied:N0} items ({rate:N0} items/s)")
                    : string.Create(CultureInfo.InvariantCulture, $"{_verb}: {Copied:N0}/{_total:N0} items ({rate:N0} items/s, ETA {eta:hh\\:mm\\:ss})")).ConfigureAwait(false);
            }

            await task.ConfigureAwait(false);
            return;
        }

        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var overall = context.AddTask(_total == 0 ? "all tables" : "all organizations", maxValue: Math.Max(1, _total));
                overall.IsIndeterminate = _total == 0;
                var bars = _expected.Keys.Take(MaxOrganizationBars).ToDictionary(o => o, o => context.AddTask(Markup.Escape(o), maxValue: Math.Max(1, _expected[o])), StringComparer.Ordinal);
                foreach (var bar in bars.Values)
                {
                    bar.IsIndeterminate = _total == 0;
                }
                var task = work();
                while (true)
                {
                    var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(250))).ConfigureAwait(false) == task;
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    var rate = (Copied - startCopied) / Math.Max(elapsed, 0.001);
                    overall.Value = Copied;
                    overall.Description = _total == 0
                        ? string.Create(CultureInfo.InvariantCulture, $"all tables  {Copied:N0} items  {rate:N0} items/s")
                        : string.Create(CultureInfo.InvariantCulture, $"all organizations  {rate:N0} items/s");
                    foreach (var (organization, bar) in bars)
                    {
                        bar.Value = _done.GetValueOrDefault(organization);
                        if (_total == 0)
                        {
                            bar.Description = string.Create(CultureInfo.InvariantCulture, $"{Markup.Escape(organization)}  {bar.Value:N0} items");
                        }
                    }

                    if (finished)
                    {
                        break;
                    }
                }

                await task.ConfigureAwait(false);
            }).ConfigureAwait(false);
    }
}
