namespace Gateway.Migration.Cli;

/// <summary>The parsed arguments of one verb: <c>--name value</c> options and <c>--flag</c> switches, each known to the verb.</summary>
internal sealed class CommandLine
{
    /// <summary>Options every verb takes.</summary>
    public static readonly string[] CommonOptions = ["--endpoint", "--plan", "--gateway-config"];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine(string verb) => Verb = verb;

    public string Verb { get; }

    /// <exception cref="UsageException">An unknown argument, a missing value, or a repeated option.</exception>
    public static CommandLine Parse(string verb, IReadOnlyList<string> args, IReadOnlyCollection<string> options, IReadOnlyCollection<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        var line = new CommandLine(verb);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (flags.Contains(name))
            {
                line._flags.Add(name);
                continue;
            }

            if (!options.Contains(name) && !CommonOptions.Contains(name))
            {
                throw new UsageException($"{verb}: unknown argument '{Truncate(name)}'");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"{verb}: {name} needs a value");
            }

            if (!line._values.TryAdd(name, args[++i]))
            {
                throw new UsageException($"{verb}: {name} given twice");
            }
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
