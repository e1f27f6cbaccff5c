using Gateway.Isolation.Diagnostics;

namespace Gateway.Isolation.Configuration;

/// <summary>The log lines of <see cref="LastGoodOptionsMonitor{TOptions}"/>, under one category (<see cref="Category"/>).</summary>
internal static partial class SettingsReloadLog
{
    public const string Category = "Gateway.Configuration.Reload";

    [LoggerMessage(EventId = IsolationLogEvents.SettingsReloaded, EventName = "SettingsReloaded", Level = LogLevel.Information,
        Message = "Settings reloaded: {Section}")]
    public static partial void SettingsReloaded(ILogger logger, string section);

    [LoggerMessage(EventId = IsolationLogEvents.SettingsReloadRefused, EventName = "SettingsReloadRefused", Level = LogLevel.Error,
        Message = "Settings reload refused, the previous {Section} settings stay in force: {Failures}")]
    public static partial void SettingsReloadRefused(ILogger logger, string section, string failures);
}
