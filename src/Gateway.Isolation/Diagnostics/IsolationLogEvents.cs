namespace Gateway.Isolation.Diagnostics;

/// <summary>Every log event id the isolation engine writes, in one place. Ids are stable (docs/gateway.md lists them).</summary>
internal static class IsolationLogEvents
{
    /// <summary>A changed configuration section was validated and is now in force (Information).</summary>
    public const int SettingsReloaded = 1101;

    /// <summary>A changed configuration section is invalid: refused, naming the keys; the previous settings stay in force (Error).</summary>
    public const int SettingsReloadRefused = 1102;

    /// <summary>No scoped credentials for an (organization, permission set); the request got 503 (Warning).</summary>
    public const int CredentialsUnavailable = 3001;

    /// <summary>A background refresh-ahead failed; current credentials are served until the expiry buffer (Warning).</summary>
    public const int RefreshFailed = 3002;

    /// <summary>A backend reported that the data store rejected a credential set; it was dropped (L1, L2, fleet) (Warning).</summary>
    public const int CredentialsRejectedDropped = 3003;

    /// <summary>A rejection report was not acted on: the key is in its cooldown, or a newer set is cached (Debug).</summary>
    public const int CredentialsRejectedIgnored = 3004;

    /// <summary>Another instance announced a rejected set; this instance dropped its copy (Information).</summary>
    public const int CredentialsRejectedAnnounced = 3005;

    /// <summary>The AssumeRole budget did not admit a call within Sts:AdmissionTimeout; the request got 503 credentials_unavailable (Debug: the cache's 3001 says it at Warning, naming StsAdmissionRejectedException).</summary>
    public const int StsAdmissionRejected = 3006;

    /// <summary>The fleet's AssumeRole budget in Redis cannot be reached; this instance admits its local share (Warning, once per switch).</summary>
    public const int StsBudgetFleetFallback = 3007;

    /// <summary>Redis answers again; the AssumeRole budget is fleet-wide again (Information, once per switch).</summary>
    public const int StsBudgetFleetRestored = 3008;

    /// <summary>A cached credential set (L1 or L2) requested before a revocation's cut-off was refused and is re-minted (Information).</summary>
    public const int RevokedCredentialsDropped = 3009;

    /// <summary>The revocations in <c>tenant-revocations</c> changed: the active cut-offs now in force (Information).</summary>
    public const int RevocationsChanged = 3011;

    /// <summary>Reading <c>tenant-revocations</c> failed (AccessDenied names the missing <c>iam:GetRolePolicy</c>); the last cut-offs read stay in force (Warning, once per role and cause).</summary>
    public const int RevocationsReadFailed = 3012;

    /// <summary>Reading <c>tenant-revocations</c> works again after a failure (Information).</summary>
    public const int RevocationsReadRestored = 3013;

    /// <summary>A statement of <c>tenant-revocations</c> that revoke did not write, or a cut-off after this gateway's clock: noted and ignored (Warning, once per statement).</summary>
    public const int RevocationStatementIgnored = 3014;

    /// <summary>An organization's <c>tier</c> names no configured tier; the default tier applies (Warning, at most once per organization per minute).</summary>
    public const int RateLimitUnknownTier = 3401;

    /// <summary>The fleet-wide rate limits in Redis cannot be reached; each instance enforces its local share (Warning, once per switch).</summary>
    public const int RateLimitFleetFallback = 3402;

    /// <summary>Redis answers again; rate limits are fleet-wide again (Information, once per switch).</summary>
    public const int RateLimitFleetRestored = 3403;

    /// <summary>An organization's <c>shards</c> attribute is not a power of two in 1…64: its requests are refused (Warning, once per read of its record).</summary>
    public const int OrganizationShardsInvalid = 3501;

    /// <summary>Continuous verification: checks failed (Critical).</summary>
    public const int VerificationChecksFailed = 7001;

    /// <summary>Continuous verification: the run threw (Critical).</summary>
    public const int VerificationRunFailed = 7002;

    /// <summary>Continuous verification passed (Information).</summary>
    public const int VerificationPassed = 7003;

    /// <summary>Continuous verification scheduled (Information).</summary>
    public const int VerificationScheduled = 7004;
}
