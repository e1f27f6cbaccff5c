using System.CommandLine;
using System.Globalization;
using System.Text;
using Gateway.CommandLines;

namespace Gateway.Cli;

/// <summary>
/// The <c>Gateway</c> command line: which verb runs (or whether the server starts), the help texts, and what every verb
/// shares: <c>--name value</c> options, bad input as one clear line on stderr with exit 2, and request values shortened
/// before they are echoed.
/// </summary>
internal static class CliArguments
{
    public const int Usage = 2;

    /// <summary>The rule quoted when an organization id is not well formed.</summary>
    public const string OrganizationIdRule = "1-64 of [A-Za-z0-9._-], starting with a letter or digit";

    /// <summary>The explicit verb that starts the server (the default without a verb).</summary>
    public const string ServeVerb = "serve";

    /// <summary>Every verb, in the order <c>--help</c> lists them: name, arguments, what it does.</summary>
    public static readonly IReadOnlyList<(string Name, string Arguments, string Summary)> Verbs =
    [
        (ServeVerb, "[--urls URL] [--Section:Key=value...]", "start the gateway and serve until stopped (the default without a verb)"),
        ("policy", "--organization ORG (--permission-set SET | --role ROLE)", "print the exact session policy sent to STS for an organization"),
        ("verify", "[--organizations A,B] [--json FILE]", "prove isolation against the AWS the configuration points at (exit 0 all passed, 1 any failed)"),
        ("report", "--out DIR [--verify-json FILE] [--template FILE]", "write the auditor's evidence pack (report.html, report.md)"),
        ("audit", "--organization ORG [--from TIME] [--to TIME] FILE...", "print one organization's audit events from JSON console logs"),
        ("evict", "--user USER [--organization ORG] | --organization ORG", "drop a user's cached memberships, or everything cached of an organization, on every instance now (fleet mode)"),
        ("revoke", "--organization ORG [--user USER] [--reason TEXT] [--timeout SECONDS] | --list", "deny an organization's (or a user's) STS sessions issued before now, with the operator's identity, and prove it"),
        ("help", "[VERB]", "print this text, or one verb's"),
    ];

    /// <summary>More about one verb, printed by <c>VERB --help</c> below its usage line.</summary>
    private static readonly Dictionary<string, string> Details = new(StringComparer.Ordinal)
    {
        [ServeVerb] = "Starts the gateway (Kestrel, default http://localhost:5000; --urls or ASPNETCORE_URLS to move it).",
        ["policy"] = "Prints the policy on stdout and its size on stderr; nothing is sent to AWS.",
        ["verify"] = """
            Assumes the tenant role for two canary organizations with every permission set's session policy and tries every
            cross-tenant operation against the configured STS, IAM and DynamoDB endpoints (TenantIsolation:Aws:StsServiceUrl,
            IamServiceUrl, DynamoDbServiceUrl; regional AWS endpoints when unset). When one of them cannot be reached, or STS
            answers GetCallerIdentity without an AWS error code (not an STS endpoint), verify stops before any check: one
            line naming it, exit 1. --json FILE must be writable (checked first; in a container
            with a read-only root filesystem use /tmp/verify.json). Exit 0 all passed, 1 any failed or unreachable, 2 bad usage.
            """,
        ["report"] = "Reads the configuration and the deployment template only (no AWS calls); --out DIR must be writable.",
        ["audit"] = """
            FILE is the gateway's console log in JSON, one JSON object per line (Logging:Console:FormatterName=json, the
            production default; ASPNETCORE_ENVIRONMENT=Local logs text). Exit 0 when the files held JSON log entries (also when
            none matched), 2 when no line was a JSON log entry, or on bad usage.
            """,
        ["evict"] = "Needs TenantIsolation:SharedCache:Redis (fleet mode). Exit 0 every instance confirmed, 1 Redis unreachable or an instance did not confirm, 2 bad usage.",
        ["revoke"] = """
            Writes the tenant role's inline policy tenant-revocations with the operator's identity (the AWS SDK's default
            credential chain: AWS_PROFILE, AWS_ACCESS_KEY_ID...; never TenantIsolation:Aws's keys), then proves the cut-off with
            the gateway's identity: a session issued before it is refused (polled up to --timeout, default 60 s), a fresh
            one and another organization's older one are allowed. --list prints the active revocations. Exit 0 revoked and
            proven, 1 not proven or an endpoint failed, 2 bad usage or over IAM's policy size limit (nothing changed),
            3 AccessDenied for the operator identity (nothing changed).
            """,
        ["help"] = "help VERB prints that verb's usage.",
    };

    /// <summary>
    /// What <c>Gateway.dll ARGS</c> does: the verb to run with its own arguments, or <see cref="ServeVerb"/> with the
    /// host's arguments. Null after printing help (exit 0) or one line for an unknown verb (exit 2) into <paramref name="exit"/>.
    /// </summary>
    public static (string Verb, string[] Args)? Route(string[] args, TextWriter stdout, TextWriter stderr, out int exit)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        exit = 0;
        if (args.Length == 0)
        {
            return (ServeVerb, []);
        }

        var first = args[0];
        if (first.StartsWith('-') || first.Contains('=', StringComparison.Ordinal))
        {
            // No verb: host arguments (--urls URL, --Section:Key=value, Section:Key=value) for the server, or help.
            if (args.Any(a => a is "-h" or "--help" or "-?"))
            {
                stdout.Write(Overview());
                return null;
            }

            // A verb written as an option (--verify, --hepl) is not a host setting: the host would take it as a
            // configuration key, swallow the next argument as its value (e.g. --urls) and serve on the default port.
            if (args.FirstOrDefault(LooksLikeAVerb) is { } misspelled)
            {
                exit = Fail(stderr, UnknownVerb(misspelled));
                return null;
            }

            return (ServeVerb, args);
        }

        if (first == "help")
        {
            if (args.Length > 1 && Verbs.Any(v => v.Name == args[1]))
            {
                stdout.WriteLine(Help(args[1]));
            }
            else if (args.Length > 1)
            {
                exit = Fail(stderr, UnknownVerb(args[1]));
            }
            else
            {
                stdout.Write(Overview());
            }

            return null;
        }

        if (!Verbs.Any(v => v.Name == first))
        {
            exit = Fail(stderr, UnknownVerb(first));
            return null;
        }

        if (first == ServeVerb && args.Skip(1).Any(a => a is "-h" or "--help" or "-?"))
        {
            stdout.WriteLine(Help(ServeVerb));
            return null;
        }

        return (first, args[1..]);
    }

    /// <summary>The text of <c>Gateway --help</c>: usage, every verb, configuration and exit codes.</summary>
    public static string Overview()
    {
        var text = new StringBuilder();
        text.AppendLine("usage: Gateway [serve] [--urls URL] [--Section:Key=value...]   start the gateway (no verb: the same)");
        text.AppendLine("       Gateway VERB [options]                                  run an operator verb and exit");
        text.AppendLine("       Gateway VERB --help                                     a verb's options");
        text.AppendLine();
        text.AppendLine("verbs:");
        var width = Verbs.Max(v => v.Name.Length);
        foreach (var (name, arguments, summary) in Verbs)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name.PadRight(width)}  {summary}").AppendLine();
            text.Append(CultureInfo.InvariantCulture, $"  {string.Empty.PadRight(width)}    {name} {arguments}").AppendLine();
        }

        text.AppendLine();
        text.AppendLine("Every verb reads the gateway's configuration: appsettings.json [+ appsettings.{ASPNETCORE_ENVIRONMENT}.json] in the");
        text.AppendLine("current directory, then environment variables (Section__Key, e.g. TenantIsolation__Aws__StsServiceUrl); the server");
        text.AppendLine("also reads --Section:Key=value arguments. Exit codes: 0 done, 1 failed, 2 bad usage or configuration.");
        return text.ToString();
    }

    /// <summary>One verb's help: its usage line and what it needs.</summary>
    public static string Help(string verb)
    {
        var (name, arguments, summary) = Verbs.Single(v => v.Name == verb);
        var details = Details.TryGetValue(name, out var more) ? more.ReplaceLineEndings(" ").Trim() : string.Empty;
        return $"usage: Gateway {name} {arguments}\n{summary}.{(details.Length == 0 ? string.Empty : "\n" + details)}";
    }

    /// <summary>
    /// Whether a server argument is a verb written with dashes: an option name (<c>-X</c>, <c>--X</c>, <c>/X</c>,
    /// <c>--X=value</c>) without a <c>:</c> whose name case-insensitively equals or is within two edits of a verb
    /// (<c>--verify</c>, <c>--Audit</c>, <c>--hepl</c>). The host's own options (<c>--urls</c>, <c>--environment</c>,
    /// <c>--contentRoot</c>, <c>--applicationName</c>, <c>--http_ports</c>) and configuration keys
    /// (<c>--Section:Key=value</c>) are not near any verb and pass through.
    /// </summary>
    private static bool LooksLikeAVerb(string argument)
    {
        var name = argument.TrimStart('-', '/');
        if (name.Length == argument.Length || name.Length == 0)
        {
            return false; // a value, not an option name
        }

        var separator = name.IndexOf('=', StringComparison.Ordinal);
        name = (separator < 0 ? name : name[..separator]).ToLowerInvariant();
        return !name.Contains(':', StringComparison.Ordinal) && Verbs.Any(v => Distance(v.Name, name) <= 2);
    }

    private static string UnknownVerb(string verb)
    {
        var typed = verb.TrimStart('-', '/');
        var separator = typed.IndexOf('=', StringComparison.Ordinal);
        typed = (separator < 0 ? typed : typed[..separator]).ToLowerInvariant();
        var nearest = Verbs.Select(v => v.Name).MinBy(v => Distance(v, typed))!;
        var hint = Distance(nearest, typed) <= 2 ? $" (did you mean '{nearest}'?)" : string.Empty;
        return $"Gateway: unknown verb '{Truncate(verb)}'{hint}; verbs: {string.Join(", ", Verbs.Select(v => v.Name))}. Nothing was started; run 'Gateway --help' for usage.";
    }

    /// <summary>Levenshtein distance (short strings only: verbs and what was typed instead).</summary>
    private static int Distance(string a, string b)
    {
        if (b.Length > 40)
        {
            return int.MaxValue;
        }

        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    /// <summary>
    /// Reads <c>--name value</c> (or <c>--name=value</c>) pairs, each of <paramref name="names"/> (given twice, the last
    /// one counts), into <paramref name="values"/>, and with <paramref name="files"/> the other arguments (FILE...), with
    /// <see cref="CommandLineSyntax"/> (System.CommandLine). Null when the arguments are well formed; otherwise the exit
    /// code after printing the verb's help (<c>-h</c>/<c>--help</c>/<c>-?</c>, exit 0) or one error line (an unknown
    /// argument, a name without a value; exit 2).
    /// </summary>
    public static int? TryRead(string verb, string[] args, string usage, IReadOnlyCollection<string> names, TextWriter stdout, TextWriter stderr, out Dictionary<string, string> values, List<string>? files = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(stdout);
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        var root = CommandLineSyntax.Root(verb);
        var options = names.Select(name => CommandLineSyntax.Value(name, lastWins: true)).ToList();
        foreach (var option in options)
        {
            root.Options.Add(option);
        }

        var fileArgument = new Argument<string[]>("FILE") { Arity = ArgumentArity.ZeroOrMore };
        if (files is not null)
        {
            root.Arguments.Add(fileArgument);
        }

        var parsed = CommandLineSyntax.Parse(root, args);
        if (CommandLineSyntax.HelpRequested(parsed))
        {
            stdout.WriteLine(Help(verb));
            return 0;
        }

        var error = CommandLineSyntax.FirstError(parsed);
        // An option nobody takes lands among the files: it is an unknown argument, not a file name.
        var strayOption = files is null ? null : parsed.GetValue(fileArgument)?.FirstOrDefault(f => f.StartsWith("--", StringComparison.Ordinal));
        if (error is null && strayOption is not null)
        {
            error = new CommandLineError(CommandLineProblem.Unknown, strayOption, string.Empty);
        }

        if (error is { } problem)
        {
            return Fail(stderr, problem.Problem switch
            {
                CommandLineProblem.Unknown => $"{verb}: unknown argument '{Truncate(problem.Subject)}'. {usage}",
                CommandLineProblem.MissingValue => $"{verb}: {problem.Subject} needs a value. {usage}",
                _ => $"{verb}: {problem.Message}. {usage}",
            });
        }

        foreach (var option in options)
        {
            if (parsed.GetValue(option) is not { } value)
            {
                continue;
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                return Fail(stderr, $"{verb}: {option.Name} needs a value. {usage}");
            }

            values[option.Name] = value;
        }

        files?.AddRange(parsed.GetValue(fileArgument) ?? []);
        return null;
    }

    /// <summary>Writes <paramref name="line"/> as one line on stderr and returns <paramref name="code"/>.</summary>
    public static int Fail(TextWriter stderr, string line, int code = Usage)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        stderr.WriteLine(line.ReplaceLineEndings(" "));
        return code;
    }

    /// <summary>A value echoed in an error line, cut at 80 characters.</summary>
    public static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
