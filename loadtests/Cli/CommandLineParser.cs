using System.Globalization;
using System.Net;

namespace LoadTests.Cli;

/// <summary>
/// <c>SCENARIO [--duration 30s] [--rate N] [--connections N] [--organizations N] [--report DIR] [--warm-up 3s]
/// [--rounds N] [--backend-http 1.1|2] [--gateway-url URL] [--backend-url URL] [--localaws-url URL]</c>. Every error is one line naming the argument.
/// </summary>
internal static class CommandLineParser
{
    public const string Usage =
        "usage: LoadTests SCENARIO [--duration 30s] [--rate N] [--connections N] [--organizations N] [--report DIR] [--warm-up 3s]\n" +
        "                          [--rounds N] [--backend-http 1.1|2] [--gateway-url URL --backend-url URL --localaws-url URL]\n" +
        "scenarios: overhead, throughput, isolation, sts-outage, scale, scale-out, cold, all (all = every scenario but scale-out and cold)\n" +
        "durations: 500ms, 30s, 2m or plain seconds. URLs must be loopback (127.0.0.1, localhost, [::1]); when all three are\n" +
        "given the runner uses them instead of starting LocalAws, the sample API and the gateway itself.";

    private static readonly TimeSpan s_maxDuration = TimeSpan.FromHours(1);

    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return ParseResult.Fail("missing SCENARIO (one of: " + string.Join(", ", RunOptions.Scenarios) + ")");
        }

        if (args.Any(a => a is "-h" or "--help"))
        {
            return ParseResult.Help();
        }

        var scenario = args[0];
        if (!RunOptions.Scenarios.Contains(scenario))
        {
            return ParseResult.Fail($"unknown scenario '{scenario}' (one of: {string.Join(", ", RunOptions.Scenarios)})");
        }

        var options = new RunOptions { Scenario = scenario };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (name.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }

            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                return ParseResult.Fail($"unexpected argument '{name}'");
            }

            if (!seen.Add(name))
            {
                return ParseResult.Fail($"{name} given twice");
            }

            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    return ParseResult.Fail($"{name} needs a value");
                }

                value = args[++i];
            }

            string? error = null;
            switch (name)
            {
                case "--duration":
                    options = TryDuration(value, out var duration, out error) ? options with { Duration = duration } : options;
                    break;
                case "--warm-up":
                    options = TryDuration(value, out var warm, out error, allowZero: true) ? options with { WarmUp = warm } : options;
                    break;
                case "--rate":
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && double.IsFinite(rate) && rate > 0 && rate <= 1_000_000)
                    {
                        options = options with { Rate = rate };
                    }
                    else
                    {
                        error = $"--rate must be a number > 0 and <= 1000000, got '{value}'";
                    }

                    break;
                case "--connections":
                    options = TryInt(name, value, 1, 10_000, out var connections, out error) ? options with { Connections = connections } : options;
                    break;
                case "--rounds":
                    options = TryInt(name, value, 1, 50, out var rounds, out error) ? options with { Rounds = rounds } : options;
                    break;
                case "--backend-http":
                    if (value is "1.1" or "2")
                    {
                        options = options with { BackendHttp2 = value == "2" };
                    }
                    else
                    {
                        error = $"--backend-http must be 1.1 or 2, got '{value}'";
                    }

                    break;
                case "--organizations":
                    options = TryInt(name, value, 2, 1_000_000, out var organizations, out error) ? options with { Organizations = organizations } : options;
                    break;
                case "--report":
                    if (string.IsNullOrWhiteSpace(value))
                    {
                        error = "--report needs a directory";
                    }
                    else
                    {
                        options = options with { ReportDirectory = value };
                    }

                    break;
                case "--gateway-url":
                    options = TryLoopbackUrl(name, value, out var gateway, out error) ? options with { GatewayUrl = gateway } : options;
                    break;
                case "--backend-url":
                    options = TryLoopbackUrl(name, value, out var backend, out error) ? options with { BackendUrl = backend } : options;
                    break;
                case "--localaws-url":
                    options = TryLoopbackUrl(name, value, out var localAws, out error) ? options with { LocalAwsUrl = localAws } : options;
                    break;
                default:
                    error = $"unknown option '{name}'";
                    break;
            }

            if (error is not null)
            {
                return ParseResult.Fail(error);
            }
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
