using System.CommandLine;
using System.Globalization;
using Gateway.CommandLines;
using LocalAws.DynamoDb;

namespace LocalAws.Configuration;

/// <summary>
/// <c>LocalAws.dll [--port P] [--dynamodb-upstream URL] [--data-dir DIR] [--config FILE] [--cloudformation FILE [--parameter Name=Value]…] [--dynalite-dir DIR] [--no-seed] [--ssm-parameter NAME=VALUE]… [--partition-write-units N] [--partition-read-units N] [--no-partition-throughput]</c>.
/// Port 0 binds a free port (the ready line names it). <c>--help</c> sets <see cref="Help"/>; anything unknown throws.
/// Parsed with <see cref="CommandLineSyntax"/> (System.CommandLine); a single-valued option given twice: the last one counts.
/// </summary>
internal sealed record LocalAwsCommandLine
{
    public const int DefaultPort = 4566;

    public const string Usage = "usage: LocalAws [--port P] [--dynamodb-upstream URL] [--data-dir DIR] [--config FILE] [--cloudformation FILE [--parameter Name=Value]...] [--dynalite-dir DIR] [--no-seed] [--ssm-parameter NAME=VALUE]... [--partition-write-units N] [--partition-read-units N] [--no-partition-throughput] [--help]";

    public int Port { get; init; } = DefaultPort;
    public Uri? DynamoDbUpstream { get; init; }
    public string? DataDirectory { get; init; }
    public string? ConfigFile { get; init; }
    public string? DynaliteDirectory { get; init; }

    /// <summary>The deployment's CloudFormation template: IAM roles and policies, and the tables, come from it.</summary>
    public string? CloudFormationTemplate { get; init; }

    /// <summary>Template parameter values (<c>--parameter Name=Value</c>, repeatable; the last one wins).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public bool Seed { get; init; } = true;

    /// <summary>The per-partition-key throughput budget (DynamoDB's 1,000 write / 3,000 read units per second per key value by default).</summary>
    public PartitionThroughputOptions Throughput { get; init; } = new();
    public bool Help { get; init; }

    /// <summary>SSM SecureString parameters to serve (<c>--ssm-parameter NAME=VALUE</c>, repeatable; a later NAME wins). Values are secrets.</summary>
    public IReadOnlyDictionary<string, string> SsmParameters { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    private static readonly Option<string> s_port = CommandLineSyntax.Value("--port", lastWins: true);
    private static readonly Option<string> s_dynamoDbUpstream = CommandLineSyntax.Value("--dynamodb-upstream", lastWins: true);
    private static readonly Option<string> s_dataDirectory = CommandLineSyntax.Value("--data-dir", lastWins: true);
    private static readonly Option<string> s_config = CommandLineSyntax.Value("--config", lastWins: true);
    private static readonly Option<string> s_cloudFormation = CommandLineSyntax.Value("--cloudformation", lastWins: true);
    private static readonly Option<string[]> s_parameters = CommandLineSyntax.Repeatable("--parameter");
    private static readonly Option<string> s_dynaliteDirectory = CommandLineSyntax.Value("--dynalite-dir", lastWins: true);
    private static readonly Option<bool> s_noSeed = CommandLineSyntax.Flag("--no-seed");
    private static readonly Option<string[]> s_ssmParameters = CommandLineSyntax.Repeatable("--ssm-parameter");
    private static readonly Option<string> s_writeUnits = CommandLineSyntax.Value("--partition-write-units", lastWins: true);
    private static readonly Option<string> s_readUnits = CommandLineSyntax.Value("--partition-read-units", lastWins: true);
    private static readonly Option<bool> s_noThroughput = CommandLineSyntax.Flag("--no-partition-throughput");

    private static readonly RootCommand s_root = new Func<RootCommand>(() =>
    {
        var root = CommandLineSyntax.Root("Local STS, IAM-enforcing DynamoDB, SSM and a dev token issuer on one loopback port.");
        foreach (var option in new Option[] { s_port, s_dynamoDbUpstream, s_dataDirectory, s_config, s_cloudFormation, s_parameters, s_dynaliteDirectory, s_noSeed, s_ssmParameters, s_writeUnits, s_readUnits, s_noThroughput })
        {
            root.Options.Add(option);
        }

        return root;
    })();

    /// <exception cref="ArgumentException">An unknown option, an option without its value, or a value it refuses (one line).</exception>
    public static LocalAwsCommandLine Parse(IReadOnlyList<string> args)
    {
        var parsed = CommandLineSyntax.Parse(s_root, args);
        if (CommandLineSyntax.HelpRequested(parsed))
        {
            return new LocalAwsCommandLine { Help = true };
        }

        if (CommandLineSyntax.FirstError(parsed) is { } error)
        {
            throw new ArgumentException(error.Problem switch
            {
                CommandLineProblem.Unknown => $"Unknown option '{error.Subject}'. {Usage}",
                CommandLineProblem.MissingValue => $"Option {error.Subject} needs a value.",
                _ => error.Message,
            });
        }

        var result = new LocalAwsCommandLine
        {
            Port = parsed.GetValue(s_port) is { } port ? ParsePort(port) : DefaultPort,
            DynamoDbUpstream = parsed.GetValue(s_dynamoDbUpstream) is { } upstream ? ParseUri(upstream) : null,
            DataDirectory = FullPath(parsed.GetValue(s_dataDirectory)),
            ConfigFile = FullPath(parsed.GetValue(s_config)),
            CloudFormationTemplate = FullPath(parsed.GetValue(s_cloudFormation)),
            Parameters = WithParameters("--parameter", parsed.GetValue(s_parameters)),
            DynaliteDirectory = FullPath(parsed.GetValue(s_dynaliteDirectory)),
            Seed = !parsed.GetValue(s_noSeed),
            SsmParameters = WithParameters("--ssm-parameter", parsed.GetValue(s_ssmParameters)),
            Throughput = new PartitionThroughputOptions
            {
                Enabled = !parsed.GetValue(s_noThroughput),
                WriteUnitsPerSecond = parsed.GetValue(s_writeUnits) is { } w ? ParseUnits("--partition-write-units", w) : PartitionThroughputOptions.DefaultWriteUnits,
                ReadUnitsPerSecond = parsed.GetValue(s_readUnits) is { } r ? ParseUnits("--partition-read-units", r) : PartitionThroughputOptions.DefaultReadUnits,
            },
        };
        if (result.Parameters.Count > 0 && result.CloudFormationTemplate is null)
        {
            throw new ArgumentException("--parameter needs --cloudformation FILE.");
        }

        return result;
    }

    private static string? FullPath(string? path) => path is null ? null : Path.GetFullPath(path);

    private static Dictionary<string, string> WithParameters(string option, string[]? values)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values ?? [])
        {
            parameters = WithParameter(parameters, option, value);
        }

        return parameters;
    }

    private static Dictionary<string, string> WithParameter(IReadOnlyDictionary<string, string> parameters, string option, string value)
    {
        var separator = value.IndexOf('=', StringComparison.Ordinal);
        if (separator <= 0)
        {
            // An --ssm-parameter value is a secret: never echo it.
            throw new ArgumentException(option == "--ssm-parameter"
                ? "--ssm-parameter needs NAME=VALUE (e.g. /tenant-gateway/applications/current=BASE64)."
                : $"{option} '{value}' is not Name=Value.");
        }

        return new Dictionary<string, string>(parameters, StringComparer.Ordinal) { [value[..separator]] = value[(separator + 1)..] };
    }

    private static int ParseUnits(string option, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var units) && units is >= 1 and <= 1_000_000_000
            ? units
            : throw new ArgumentException($"{option} '{value}' is not a number of units per second (1-1000000000).");

    private static int ParsePort(string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ArgumentException($"--port '{value}' is not a port number (0-65535).");

    private static Uri ParseUri(string value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"--dynamodb-upstream '{value}' is not an http(s) URL.");
}
