using Gateway.Diagnostics;
using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>
/// Binds <see cref="ForwardingOptions"/> from <c>TenantIsolation:Forwarding</c>, and reads the deprecated
/// <c>TenantIsolation:Cache:EnvelopesPerCredential</c> when <c>TenantIsolation:Forwarding:EnvelopesPerCredential</c> is
/// not set (the new key wins when both are), logging a deprecation warning once.
/// </summary>
internal sealed partial class ForwardingOptionsSetup(IConfiguration configuration, ILogger<ForwardingOptionsSetup> logger) : IConfigureOptions<ForwardingOptions>
{
    public const string LegacyEnvelopesPerCredentialKey = "TenantIsolation:Cache:EnvelopesPerCredential";
    public const string EnvelopesPerCredentialKey = ForwardingOptions.SectionName + ":" + nameof(ForwardingOptions.EnvelopesPerCredential);
    private int _warned;

    public void Configure(ForwardingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var legacy = configuration.GetSection(LegacyEnvelopesPerCredentialKey);
        if (legacy.Value is not null)
        {
            var current = configuration.GetSection(EnvelopesPerCredentialKey).Value is not null;
            if (!current)
            {
                // Bound like any other key, so a bad value is reported the same way (naming this key).
                configuration.GetSection("TenantIsolation:Cache").Bind(options, binder => binder.ErrorOnUnknownConfiguration = false);
            }

            if (Interlocked.Exchange(ref _warned, 1) == 0)
            {
                LogDeprecated(logger, LegacyEnvelopesPerCredentialKey, EnvelopesPerCredentialKey, current ? "ignored: the new key is set" : "used");
            }
        }

        configuration.GetSection(ForwardingOptions.SectionName).Bind(options);
    }

    [LoggerMessage(EventId = LogEvents.DeprecatedConfigurationKey, EventName = "DeprecatedConfigurationKey", Level = LogLevel.Warning,
        Message = "Configuration key {OldKey} is deprecated; use {NewKey} ({Outcome})")]
    private static partial void LogDeprecated(ILogger logger, string oldKey, string newKey, string outcome);
}
