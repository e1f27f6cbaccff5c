using Gateway.Isolation;

namespace Gateway.Hosting;

/// <summary>
/// The log levels of the <c>Logging</c> section (<c>Logging:LogLevel:*</c> and <c>Logging:{Provider}:LogLevel:*</c>),
/// checked before the host is built: the logger factory reads them while the host is built and throws, on a value that
/// is not a <see cref="LogLevel"/> (<c>Verbose</c>, <c>Warn</c>…), an exception that names the value but not the key.
/// </summary>
internal static class LogLevelSettings
{
    public const string SectionName = "Logging";

    /// <summary>Throws a <see cref="GatewayStartupException"/> naming every key whose value is not a log level.</summary>
    public static void Check(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        foreach (var child in configuration.GetSection(SectionName).GetChildren())
        {
            var levels = string.Equals(child.Key, "LogLevel", StringComparison.OrdinalIgnoreCase) ? child : child.GetSection("LogLevel");
            foreach (var level in levels.GetChildren())
            {
                // The logger factory's own rule: empty means "not set"; otherwise a LogLevel name or number, any case.
                if (!string.IsNullOrEmpty(level.Value) && !Enum.TryParse<LogLevel>(level.Value, ignoreCase: true, out _))
                {
                    problems.Add($"{level.Path} is '{level.Value}', not a log level (Trace, Debug, Information, Warning, Error, Critical or None)");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new GatewayStartupException(string.Join("; ", problems) + ".");
        }
    }
}
