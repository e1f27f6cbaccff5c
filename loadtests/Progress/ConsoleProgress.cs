using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace LoadTests.Progress;

/// <summary>
/// Live progress on the console: a Spectre.Console progress bar (elapsed vs expected time, requests, RPS, failures)
/// when the terminal is interactive; otherwise one plain line every 5 s, so CI logs stay readable.
/// </summary>
internal sealed class ConsoleProgress : IRunProgress
{
    private readonly IAnsiConsole _console;

    public ConsoleProgress(IAnsiConsole console) => _console = console;

    public async Task TrackAsync(string title, TimeSpan expected, Func<LiveCounters> poll, Task work)
    {
        ArgumentNullException.ThrowIfNull(poll);
        ArgumentNullException.ThrowIfNull(work);
        var started = Stopwatch.GetTimestamp();
        if (!_console.Profile.Capabilities.Interactive)
        {
            var next = TimeSpan.FromSeconds(5);
            while (await Task.WhenAny(work, Task.Delay(250, CancellationToken.None)).ConfigureAwait(false) != work)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed >= next)
                {
                    _console.WriteLine(Describe(title, poll(), elapsed));
                    next += TimeSpan.FromSeconds(5);
                }
            }

            _console.WriteLine(Describe(title, poll(), Stopwatch.GetElapsedTime(started)));
            await work.ConfigureAwait(false);
            return;
        }

        await _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(0.1, expected.TotalSeconds));
                while (await Task.WhenAny(work, Task.Delay(250, CancellationToken.None)).ConfigureAwait(false) != work)
                {
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    task.Value = Math.Min(task.MaxValue, elapsed.TotalSeconds);
                    task.Description = Markup.Escape(Describe(title, poll(), elapsed));
                }

                task.Value = task.MaxValue;
                task.Description = Markup.Escape(Describe(title, poll(), Stopwatch.GetElapsedTime(started)));
            }).ConfigureAwait(false);
        await work.ConfigureAwait(false);
    }

    public async Task TrackCountAsync(string title, long total, Func<long> done, Task work)
    {
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(work);
        if (!_console.Profile.Capabilities.Interactive)
        {
            var started = Stopwatch.GetTimestamp();
            var next = TimeSpan.FromSeconds(5);
            while (await Task.WhenAny(work, Task.Delay(250, CancellationToken.None)).ConfigureAwait(false) != work)
            {
                if (Stopwatch.GetElapsedTime(started) >= next)
                {
                    _console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {done()}/{total}"));
                    next += TimeSpan.FromSeconds(5);
                }
            }

            _console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{title}: {done()}/{total} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
            await work.ConfigureAwait(false);
            return;
        }

        await _console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: Math.Max(1, total));
                while (await Task.WhenAny(work, Task.Delay(250, CancellationToken.None)).ConfigureAwait(false) != work)
                {
                    task.Value = Math.Min(task.MaxValue, done());
                }

                task.Value = Math.Min(task.MaxValue, done());
            }).ConfigureAwait(false);
        await work.ConfigureAwait(false);
    }

    public void Note(string message) => _console.MarkupLine(Markup.Escape(message));

    private static string Describe(string title, LiveCounters counters, TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{title}: {counters.Requests} req, {counters.Requests / Math.Max(0.001, elapsed.TotalSeconds):0} rps, {counters.Failures} failed");
}
