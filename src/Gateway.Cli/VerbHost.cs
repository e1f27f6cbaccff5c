namespace Gateway.Cli;

/// <summary>
/// What the operator verbs take from the gateway host that runs them (<c>dotnet Gateway.dll VERB</c>): the directory
/// the configuration is read from, the host's own settings sections to register and validate beside the isolation
/// engine's (forwarding and envelope keys), and the names of its audit log (category and organization field), which
/// <c>audit</c> reads back. The host builds it; this project references no web host.
/// </summary>
public sealed record VerbHost(
    string ContentRoot,
    Action<IServiceCollection, IConfiguration> AddHostSettings,
    string AuditCategory,
    string AuditOrganizationField);
