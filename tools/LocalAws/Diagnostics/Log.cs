namespace LocalAws.Diagnostics;

/// <summary>Structured log lines. Never a secret: access key ids are identifiers, secrets and tokens are never passed.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "LocalAws ready on {Url} (DynamoDB upstream {Upstream})")]
    public static partial void Ready(ILogger logger, string url, Uri upstream);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Installing dynalite with npm ci in {Directory}")]
    public static partial void InstallingDynalite(ILogger logger, string directory);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "dynalite started (pid {ProcessId}) on {Url}")]
    public static partial void DynaliteStarted(ILogger logger, int processId, Uri url);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "dynalite stopped")]
    public static partial void DynaliteStopped(ILogger logger);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Error, Message = "dynalite (pid {ProcessId}) exited unexpectedly with code {ExitCode}; LocalAws stops")]
    public static partial void DynaliteDied(ILogger logger, int processId, int exitCode);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Seeded demo data: {Tables} tables, {Items} items")]
    public static partial void Seeded(ILogger logger, int tables, int items);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "authentication failed: service={Service} accessKeyId={AccessKeyId} code={Code} reason={Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string service, string? accessKeyId, string code, string reason);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "authorization denied: principal={Principal} action={Action} resource={Resource} reason={Reason}")]
    public static partial void AuthorizationDenied(ILogger logger, string principal, string action, string resource, string reason);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "AssumeRole: caller={Caller} role={Role} session={SessionName} sourceIdentity={SourceIdentity} duration={DurationSeconds}s sessionPolicy={HasPolicy} packedPolicySize={PackedPolicySize}%")]
    public static partial void AssumedRole(ILogger logger, string caller, string role, string sessionName, string sourceIdentity, int durationSeconds, bool hasPolicy, int packedPolicySize);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "STS error: action={Action} caller={Caller} code={Code} message={Reason}")]
    public static partial void StsError(ILogger logger, string action, string? caller, string code, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "STS fault set: mode={Mode} latencyMs={LatencyMs} durationSeconds={DurationSeconds}")]
    public static partial void FaultSet(ILogger logger, StsFaultMode mode, double latencyMs, double? durationSeconds);

    [LoggerMessage(EventId = 4000, Level = LogLevel.Error, Message = "DynamoDB upstream request failed for {Operation}")]
    public static partial void UpstreamFailed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "DynamoDB {Operation} by {Principal} throttled: a partition key is over its per-second budget (ProvisionedThroughputExceededException)")]
    public static partial void Throttled(ILogger logger, string principal, string operation);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Per-partition-key throughput budget: {Enabled}, {WriteUnits} write units and {ReadUnits} read units per second per key value")]
    public static partial void ThroughputBudget(ILogger logger, string enabled, int writeUnits, int readUnits);
}
