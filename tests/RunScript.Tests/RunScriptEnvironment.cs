using System.Text.RegularExpressions;

namespace RunScript.Tests;

/// <summary>
/// Reads the environment overrides run.sh puts in front of <c>start NAME …</c>: the <c>KEY=VALUE \</c> lines directly
/// above that line, with <c>$VAR</c> / <c>${VAR}</c> replaced from the given variables (an unknown variable throws).
/// </summary>
internal static partial class RunScriptEnvironment
{
    public static IReadOnlyDictionary<string, string> Overrides(string script, string process, IReadOnlyDictionary<string, string> variables)
    {
        var lines = script.Split('\n');
        var start = Array.FindIndex(lines, line => line.TrimStart().StartsWith($"start {process} ", StringComparison.Ordinal));
        if (start < 0)
        {
            throw new InvalidOperationException($"run.sh has no 'start {process}' line.");
        }

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = start - 1; i >= 0; i--)
        {
            var match = Assignment().Match(lines[i]);
            if (!match.Success)
            {
                break;
            }

            var value = match.Groups["value"].Value;
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }

            overrides.Add(match.Groups["key"].Value, Variable().Replace(value, m =>
                variables.TryGetValue(m.Groups["name"].Value, out var replacement)
                    ? replacement
                    : throw new InvalidOperationException($"run.sh uses ${m.Groups["name"].Value} in an override for {process}; give it a value.")));
        }

        return overrides;
    }

    [GeneratedRegex(@"^\s*(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\S*)\s*\\\s*$")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex Variable();
}
