using System.Globalization;

namespace LocalAws.Configuration;

/// <summary>
/// <c>LocalAws.dll [--port P] [--dynamodb-upstream URL] [--data-dir DIR] [--config FILE] [--cloudformation FILE [--parameter Name=Value]…] [--dynalite-dir DIR] [--no-seed] [--ssm-parameter NAME=VALUE]…</c>.
/// Port 0 binds a free port (the ready line names it). <c>--help</c> sets <see cref="Help"/>; anything unknown throws.
/// </summary>
internal sealed record LocalAwsCommandLine
{
    public const int DefaultPort = 4566;

    public const string Usage = "usage: LocalAws [--port P] [--dynamodb-upstream URL] [--data-dir DIR] [--config FILE] [--cloudformation FILE [--parameter Name=Value]...] [--dynalite-dir DIR] [--no-seed] [--ssm-parameter NAME=VALUE]... [--help]";

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
    public bool Help { get; init; }

    /// <summary>SSM SecureString parameters to serve (<c>--ssm-parameter NAME=VALUE</c>, repeatable; a later NAME wins). Values are secrets.</summary>
    public IReadOnlyDictionary<string, string> SsmParameters { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public static LocalAwsCommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new LocalAwsCommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"Option {name} needs a value.");
                }

                return args[++i];
            }

            result = name switch
            {
                "--port" => result with { Port = ParsePort(Value()) },
                "--dynamodb-upstream" => result with { DynamoDbUpstream = ParseUri(Value()) },
                "--data-dir" => result with { DataDirectory = Path.GetFullPath(Value()) },
                "--config" => result with { ConfigFile = Path.GetFullPath(Value()) },
                "--cloudformation" => result with { CloudFormationTemplate = Path.GetFullPath(Value()) },
                "--parameter" => result with { Parameters = WithParameter(result.Parameters, name, Value()) },
                "--dynalite-dir" => result with { DynaliteDirectory = Path.GetFullPath(Value()) },
                "--no-seed" => result with { Seed = false },
                "--ssm-parameter" => result with { SsmParameters = WithParameter(result.SsmParameters, name, Value()) },
                "-h" or "--help" => result with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{name}'. {Usage}"),
            };
        }

        if (result.Parameters.Count > 0 && result.CloudFormationTemplate is null)
        {
            throw new ArgumentException("--parameter needs --cloudformation FILE.");
        }

        return result;
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

    private static int ParsePort(string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ArgumentException($"--port '{value}' is not a port number (0-65535).");

    private static Uri ParseUri(string value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"--dynamodb-upstream '{value}' is not an http(s) URL.");
}
