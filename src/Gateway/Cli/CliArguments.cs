namespace Gateway.Cli;

/// <summary>
/// What every <c>Gateway</c> CLI verb shares: <c>--name value</c> options, bad input as one clear line on stderr with
/// exit 2, and request values shortened before they are echoed.
/// </summary>
internal static class CliArguments
{
    public const int Usage = 2;

    /// <summary>The rule quoted when an organization id is not well formed.</summary>
    public const string OrganizationIdRule = "1-64 of [A-Za-z0-9._-], starting with a letter or digit";

    /// <summary>
    /// Reads <c>--name value</c> pairs (each of <paramref name="names"/> at most once wins last) into
    /// <paramref name="values"/>. Null when the arguments are well formed; otherwise the exit code after printing the
    /// usage (<c>-h</c>/<c>--help</c>, exit 0) or one error line (an unknown argument, a name without a value; exit 2).
    /// </summary>
    public static int? TryRead(string verb, string[] args, string usage, IReadOnlyCollection<string> names, TextWriter stdout, TextWriter stderr, out Dictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(args);
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                stdout.WriteLine(usage);
                return 0;
            }

            if (!names.Contains(name))
            {
                return Fail(stderr, $"{verb}: unknown argument '{Truncate(name)}'. {usage}");
            }

            if (i + 1 >= args.Length || string.IsNullOrWhiteSpace(args[i + 1]))
            {
                return Fail(stderr, $"{verb}: {name} needs a value. {usage}");
            }

            values[name] = args[++i];
        }

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
