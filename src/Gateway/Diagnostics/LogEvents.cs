namespace Gateway.Diagnostics;

/// <summary>
/// Every log event id the gateway host writes, in one place (the isolation engine's are in
/// <c>Gateway.Isolation.Diagnostics.IsolationLogEvents</c>, the backend library's in <c>Gateway.Backend.Diagnostics.BackendLogEvents</c>).
/// Ids are stable: alert rules and SIEM queries may match on them. docs/gateway.md lists them.
/// </summary>
internal static class LogEvents
{
    /// <summary>A deprecated configuration key was used (Warning).</summary>
    public const int DeprecatedConfigurationKey = 1001;

    /// <summary>Writing the tenant envelope failed; 500, nothing forwarded (Error).</summary>
    public const int EnvelopeFailed = 4001;

    /// <summary>Forwarding to a backend failed (YARP error): 502 backend_unavailable / 504 backend_timeout / 500, or aborted when the response had started (Warning).</summary>
    public const int ForwardingFailed = 4002;

    /// <summary>Audit: a tenant request allowed (Debug, unsampled).</summary>
    public const int TenantAllowed = 6001;

    /// <summary>Audit: a tenant request denied (Information).</summary>
    public const int TenantDenied = 6002;

    /// <summary>Audit: a tenant request allowed, sampled at <c>Auditing:AllowSampleRate</c> (Information).</summary>
    public const int TenantAllowedSampled = 6003;

    /// <summary>Audit: a 401/403/405 refusal before the tenant pipeline, rate-limited per reason (Information).</summary>
    public const int RequestRefused = 6004;

    /// <summary>Audit: a request sent to a route's legacy cluster, without scoped credentials (always logged).</summary>
    public const int TenantLegacy = 6005;

    /// <summary>Envelope keys read from SSM Parameter Store at start-up (Information).</summary>
    public const int EnvelopeKeyParametersRead = 8101;

    /// <summary>A periodic re-read of the envelope key parameters failed; the keys read before stay (Error).</summary>
    public const int EnvelopeKeyParameterRefreshFailed = 8102;

    /// <summary>An unhandled exception answered 500 (Error).</summary>
    public const int UnhandledException = 9001;

    /// <summary>Shutdown phase 1: SIGTERM seen, /readyz 503, draining for <c>Shutdown:DrainDelay</c> (Information).</summary>
    public const int ShutdownDraining = 9101;

    /// <summary>Shutdown phase 2: drain delay over, Kestrel stops accepting, in-flight requests get <c>Shutdown:Timeout</c> (Information).</summary>
    public const int ShutdownStopAccepting = 9102;

    /// <summary>Shutdown phase 3: every request in flight finished, the process exits 0 (Information).</summary>
    public const int ShutdownStopped = 9103;

    /// <summary>Shutdown phase 3: <c>Shutdown:Timeout</c> ended with requests still in flight, which were aborted (Warning).</summary>
    public const int ShutdownTimedOut = 9104;
}
