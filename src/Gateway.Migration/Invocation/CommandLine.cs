using System.CommandLine;
using Gateway.CommandLines;

namespace Gateway.Migration.Invocation;

/// <summary>The parsed arguments of one verb: <c>--name value</c> options and <c>--flag</c> switches, each known to the verb.</summary>
internal sealed class CommandLine
{
    /// <summary>Options every verb takes.</summary>
    public static readonly string[] CommonOptions = ["--endpoint", "--plan", "--gateway-config"];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine(string verb) => Verb = verb;

    public string Verb { get; }

    /// <summary>
    /// Parses one verb's arguments (<see cref="CommandLineSyntax"/>: <c>--name value</c> or <c>--name=value</c>).
    /// </summary>
    /// <exception cref="UsageException">An unknown argument, a missing value, or a repeated option.</exception>
    public static CommandLine Parse(string verb, IReadOnlyList<string> args, IReadOnlyCollection<string> options, IReadOnlyCollection<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(flags);
        var root = CommandLineSyntax.Root(verb);
        var values = options.Concat(CommonOptions).Distinct(StringComparer.Ordinal).Select(name => CommandLineSyntax.Value(name)).ToList();
        var switches = flags.Select(CommandLineSyntax.Flag).ToList();
        foreach (var option in values.Cast<Option>().Concat(switches))
        {
            root.Options.Add(option);
        }

        var parsed = CommandLineSyntax.Parse(root, args);
        if (CommandLineSyntax.FirstError(parsed) is { } error)
        {
            throw new UsageException(error.Problem switch
            {
                CommandLineProblem.Unknown => $"{verb}: unknown argument '{Truncate(error.Subject)}'",
                CommandLineProblem.MissingValue => $"{verb}: {error.Subject} needs a value",
                CommandLineProblem.GivenTwice => $"{verb}: {error.Subject} given twice",
                _ => $"{verb}: {error.Message}",
            });
        }

        var line = new CommandLine(verb);
        foreach (var option in values)
        {
            if (parsed.GetValue(option) is { } value)
            {
                line._values[option.Name] = value;
            }
        }

        foreach (var flag in switches.Where(f => parsed.GetValue(f)))
        {
            line._flags.Add(flag.Name);
        }

        return line;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) => Get(name) ?? throw new UsageException($"{Verb}: {name} is required");

    public bool Has(string flag) => _flags.Contains(flag);

    public string PlanPath => Get("--plan") ?? "plan.json";

    public int PositiveInt(string name, int fallback)
    {
        var value = Get(name);
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new UsageException($"{Verb}: {name} must be a positive whole number (was '{Truncate(value)}')");
    }

    public static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
