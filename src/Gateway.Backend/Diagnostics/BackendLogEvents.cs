namespace Gateway.Backend.Diagnostics;

/// <summary>Every log event id Gateway.Backend writes, in one place. Ids are stable (docs/backend.md lists them).</summary>
internal static class BackendLogEvents
{
    /// <summary>The X-Tenant-Context envelope was rejected (Warning).</summary>
    public const int EnvelopeRejected = 5001;

    /// <summary>DynamoDB denied a request by IAM (AccessDeniedException) (Warning).</summary>
    public const int AccessDenied = 5002;

    /// <summary>DynamoDB refused the scoped credentials (expired, unrecognized, bad signature) → 503 tenant_credentials_rejected (Warning).</summary>
    public const int CredentialsRefused = 5003;

    /// <summary>DynamoDB denied a request after the response had started (Error).</summary>
    public const int DeniedAfterResponseStarted = 5004;

    /// <summary>DynamoDB unreachable, timed out or 5xx → 503 data_store_unavailable (Warning).</summary>
    public const int DataStoreUnavailable = 5005;
}
