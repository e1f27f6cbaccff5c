using System.CommandLine;
using System.Globalization;
using System.Net;
using Gateway.CommandLines;
using ParseResult = LoadTests.Cli.ParseResult;

namespace LoadTests.Cli;

/// <summary>
/// <c>SCENARIO [--duration 30s] [--rate N] [--connections N] [--organizations N] [--report DIR] [--warm-up 3s]
/// [--rounds N] [--backend-http 1.1|2] [--drain-delay 3s] [--instances N] [--gateway-url URL] [--backend-url URL] [--localaws-url URL]</c> (or <c>--name=value</c>),
/// parsed with <see cref="CommandLineSyntax"/>. Every error is one line naming the argument.
/// </summary>
internal static class CommandLineParser
{
    public const string Usage =
        "usage: LoadTests SCENARIO [--duration 30s] [--rate N] [--connections N] [--organizations N] [--report DIR] [--warm-up 3s]\n" +
        "                          [--rounds N] [--backend-http 1.1|2] [--drain-delay 3s] [--instances N]\n" +
        "                          [--gateway-url URL --backend-url URL --localaws-url URL]\n" +
        "scenarios: overhead, throughput, isolation, sts-outage, scale, scale-out, cold, rolling-restart, dependency-faults, noisy-neighbour, hot-tenant, all (all =\n" +
        "every scenario but scale-out, cold, rolling-restart, dependency-faults, noisy-neighbour and hot-tenant, which run only when named)\n" +
        "--instances (noisy-neighbour): 1 = one gateway; more = a fleet sharing one redis-server\n" +
        "durations: 500ms, 30s, 2m or plain seconds. URLs must be loopback (127.0.0.1, localhost, [::1]); when all three are\n" +
        "given the runner uses them instead of starting LocalAws, the sample API and the gateway itself.";

    private static readonly TimeSpan s_maxDuration = TimeSpan.FromHours(1);

    private static readonly Argument<string> s_scenario = new("SCENARIO") { Arity = ArgumentArity.ZeroOrOne };
    private static readonly Option<string> s_duration = CommandLineSyntax.Value("--duration");
    private static readonly Option<string> s_warmUp = CommandLineSyntax.Value("--warm-up");
    private static readonly Option<string> s_rate = CommandLineSyntax.Value("--rate");
    private static readonly Option<string> s_connections = CommandLineSyntax.Value("--connections");
    private static readonly Option<string> s_rounds = CommandLineSyntax.Value("--rounds");
    private static readonly Option<string> s_backendHttp = CommandLineSyntax.Value("--backend-http");
    private static readonly Option<string> s_drainDelay = CommandLineSyntax.Value("--drain-delay");
    private static readonly TimeSpan s_maxDrainDelay = TimeSpan.FromSeconds(60);
    private static readonly Option<string> s_instances = CommandLineSyntax.Value("--instances");
    private static readonly Option<string> s_organizations = CommandLineSyntax.Value("--organizations");
    private static readonly Option<string> s_report = CommandLineSyntax.Value("--report");
    private static readonly Option<string> s_gatewayUrl = CommandLineSyntax.Value("--gateway-url");
    private static readonly Option<string> s_backendUrl = CommandLineSyntax.Value("--backend-url");
    private static readonly Option<string> s_localAwsUrl = CommandLineSyntax.Value("--localaws-url");

    private static readonly RootCommand s_root = new Func<RootCommand>(() =>
    {
        var root = CommandLineSyntax.Root("Load scenarios against the gateway on this machine.");
        root.Arguments.Add(s_scenario);
        foreach (var option in new[] { s_duration, s_rate, s_connections, s_organizations, s_report, s_warmUp, s_rounds, s_backendHttp, s_drainDelay, s_instances, s_gatewayUrl, s_backendUrl, s_localAwsUrl })
        {
            root.Options.Add(option);
        }

        return root;
    })();

    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return ParseResult.Fail("missing SCENARIO (one of: " + string.Join(", ", RunOptions.Scenarios) + ")");
        }

        var parsed = CommandLineSyntax.Parse(s_root, args);
        if (CommandLineSyntax.HelpRequested(parsed))
        {
            return ParseResult.Help();
        }

        var scenario = parsed.GetValue(s_scenario);
        if (scenario is null || !RunOptions.Scenarios.Contains(scenario))
        {
            return ParseResult.Fail($"{(scenario is null ? "missing SCENARIO" : $"unknown scenario '{scenario}'")} (one of: {string.Join(", ", RunOptions.Scenarios)})");
        }

        if (CommandLineSyntax.FirstError(parsed) is { } problem)
        {
            return ParseResult.Fail(problem.Problem switch
            {
                CommandLineProblem.Unknown when problem.Subject.StartsWith('-') => $"unknown option '{problem.Subject}'",
                CommandLineProblem.Unknown => $"unexpected argument '{problem.Subject}'",
                CommandLineProblem.MissingValue => $"{problem.Subject} needs a value",
                CommandLineProblem.GivenTwice => $"{problem.Subject} given twice",
                _ => problem.Message,
            });
        }

        var options = new RunOptions { Scenario = scenario };
        string? error = null;
        if (parsed.GetValue(s_duration) is { } durationText)
        {
            options = TryDuration(durationText, out var duration, out error) ? options with { Duration = duration } : options;
        }

        if (error is null && parsed.GetValue(s_warmUp) is { } warmUpText)
        {
            options = TryDuration(warmUpText, out var warm, out error, allowZero: true) ? options with { WarmUp = warm } : options;
        }

        if (error is null && parsed.GetValue(s_rate) is { } rateText)
        {
            if (double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && double.IsFinite(rate) && rate > 0 && rate <= 1_000_000)
            {
                options = options with { Rate = rate };
            }
            else
            {
                error = $"--rate must be a number > 0 and <= 1000000, got '{rateText}'";
            }
        }

        if (error is null && parsed.GetValue(s_connections) is { } connectionsText)
        {
            options = TryInt("--connections", connectionsText, 1, 10_000, out var connections, out error) ? options with { Connections = connections } : options;
        }

        if (error is null && parsed.GetValue(s_instances) is { } instancesText)
        {
            options = TryInt("--instances", instancesText, 1, 5, out var instances, out error) ? options with { Instances = instances } : options;
        }

        if (error is null && parsed.GetValue(s_rounds) is { } roundsText)
        {
            options = TryInt("--rounds", roundsText, 1, 50, out var rounds, out error) ? options with { Rounds = rounds } : options;
        }

        if (error is null && parsed.GetValue(s_backendHttp) is { } backendHttp)
        {
            if (backendHttp is "1.1" or "2")
            {
                options = options with { BackendHttp2 = backendHttp == "2" };
            }
            else
            {
                error = $"--backend-http must be 1.1 or 2, got '{backendHttp}'";
            }
        }

        if (error is null && parsed.GetValue(s_drainDelay) is { } drainText)
        {
            if (TryDuration(drainText, out var drain, out error, allowZero: true))
            {
                if (drain > s_maxDrainDelay)
                {
                    error = $"--drain-delay '{drainText}' must be between 0 and 60s";
                }
                else
                {
                    options = options with { DrainDelay = drain };
                }
            }
        }

        if (error is null && parsed.GetValue(s_organizations) is { } organizationsText)
        {
            options = TryInt("--organizations", organizationsText, 2, 1_000_000, out var organizations, out error) ? options with { Organizations = organizations } : options;
        }

        if (error is null && parsed.GetValue(s_report) is { } report)
        {
            if (string.IsNullOrWhiteSpace(report))
            {
                error = "--report needs a directory";
            }
            else
            {
                options = options with { ReportDirectory = report };
            }
        }

        if (error is null && parsed.GetValue(s_gatewayUrl) is { } gatewayText)
        {
            options = TryLoopbackUrl("--gateway-url", gatewayText, out var gateway, out error) ? options with { GatewayUrl = gateway } : options;
        }

        if (error is null && parsed.GetValue(s_backendUrl) is { } backendText)
        {
            options = TryLoopbackUrl("--backend-url", backendText, out var backend, out error) ? options with { BackendUrl = backend } : options;
        }

        if (error is null && parsed.GetValue(s_localAwsUrl) is { } localAwsText)
        {
            options = TryLoopbackUrl("--localaws-url", localAwsText, out var localAws, out error) ? options with { LocalAwsUrl = localAws } : options;
        }

        if (error is not null)
        {
            return ParseResult.Fail(error);
        }

        var given = new[] { options.GatewayUrl, options.BackendUrl, options.LocalAwsUrl }.Count(u => u is not null);
        if (given is 1 or 2)
        {
            return ParseResult.Fail("--gateway-url, --backend-url and --localaws-url go together: give all three or none");
        }

        return ParseResult.Ok(options);
    }

    internal static bool TryDuration(string text, out TimeSpan duration, out string? error, bool allowZero = false)
    {
        duration = TimeSpan.Zero;
        error = null;
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            error = $"'{text}' is not a duration (use 500ms, 30s, 2m)";
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        if (duration < TimeSpan.Zero || (!allowZero && duration < TimeSpan.FromMilliseconds(100)) || duration > s_maxDuration)
        {
            error = $"duration '{text}' must be between {(allowZero ? "0" : "100ms")} and 1h";
            return false;
        }

        return true;
    }

    private static bool TryInt(string name, string text, int min, int max, out int value, out string? error)
    {
        error = null;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = string.Create(CultureInfo.InvariantCulture, $"{name} must be an integer from {min} to {max}, got '{text}'");
        return false;
    }

    private static bool TryLoopbackUrl(string name, string text, out Uri? url, out string? error)
    {
        error = null;
        if (Uri.TryCreate(text, UriKind.Absolute, out url) && url.Scheme is "http" or "https" && IsLoopback(url.Host))
        {
            return true;
        }

        error = $"{name} must be an http(s) URL on 127.0.0.1, localhost or [::1] (loads target loopback only), got '{text}'";
        url = null;
        return false;
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
