namespace Gateway.Isolation.Configuration;

/// <summary>
/// The <c>TenantIsolation</c> section: how the gateway vends organization-scoped AWS credentials.
/// Every property has a documented default; <see cref="TenantIsolationOptionsValidator"/> checks all of them at start-up.
/// (<c>TenantIsolation:Forwarding</c> and <c>TenantIsolation:Envelopes</c> belong to the web host, which binds them itself.)
/// </summary>
public sealed class TenantIsolationOptions
{
    public const string SectionName = "TenantIsolation";

    /// <summary>ARN of the role the gateway assumes for tenants (required), e.g. <c>arn:aws:iam::123456789012:role/TenantDataAccess</c>.</summary>
    public string? RoleArn { get; set; }

    /// <summary>Optional STS ExternalId sent with every AssumeRole.</summary>
    public string? ExternalId { get; set; }

    /// <summary>Organization (one session per organization and permission set, default) or User (one per user too; sets SourceIdentity).</summary>
    public CredentialScope CredentialScope { get; set; } = CredentialScope.Organization;

    /// <summary>
    /// SourceIdentity sent with organization-scoped sessions (<see cref="CredentialScope.Organization"/>), default
    /// <c>tenant-gateway</c>; 2–64 characters of <c>[\w+=,.@-]</c>, not starting with <c>aws:</c>. The tenant role's trust
    /// requires a SourceIdentity on every AssumeRole. With <see cref="CredentialScope.User"/> the user id is sent instead.
    /// </summary>
    public string SourceIdentity { get; set; } = DefaultSourceIdentity;

    /// <summary>Default of <see cref="SourceIdentity"/>.</summary>
    public const string DefaultSourceIdentity = "tenant-gateway";

    /// <summary>SessionPolicy (default): inline session policy per organization. Abac: session tag <c>organizationId</c>, role policy uses <c>${aws:PrincipalTag/organizationId}</c>.</summary>
    public IsolationMode Mode { get; set; } = IsolationMode.SessionPolicy;

    /// <summary>STS DurationSeconds. Default 1 hour; 15 min – 12 h (≤ 1 h when role-chaining).</summary>
    public TimeSpan CredentialLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Inside this window before expiry the current credentials are served and one background refresh starts. Default 10 min.</summary>
    public TimeSpan RefreshAhead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Inside this window before expiry credentials are no longer handed out; callers wait for fresh ones. Default 2 min.</summary>
    public TimeSpan ExpiryBuffer { get; set; } = TimeSpan.FromMinutes(2);

    public AwsOptions Aws { get; set; } = new();

    public MembershipOptions Membership { get; set; } = new();

    public CredentialCacheOptions Cache { get; set; } = new();

    public StsResilienceOptions Sts { get; set; } = new();

    /// <summary>Fleet-wide L2 cache in Redis (<c>TenantIsolation:SharedCache</c>); off unless <c>Redis</c> is set.</summary>
    public SharedCacheOptions SharedCache { get; set; } = new();

    /// <summary>Per-organization limits by tier (<c>TenantIsolation:RateLimits</c>); off unless <c>Enabled</c>.</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>The gateway's watch over <c>tenant-revocations</c> (<c>TenantIsolation:Revocations</c>); on by default.</summary>
    public RevocationOptions Revocations { get; set; } = new();

    /// <summary>Continuous verification (<c>TenantIsolation:Verification</c>); off by default.</summary>
    public VerificationOptions Verification { get; set; } = new();

    /// <summary>Tenant tables by name: their partition key holds the organization id.</summary>
    public Dictionary<string, TenantTableOptions> Tables { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Named permission sets (e.g. read-write, read-only): what each grants on which tenant table.</summary>
    public Dictionary<string, PermissionSetOptions> PermissionSets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Membership role (as stored in OrganizationUsers) → permission set name. Unmapped roles are denied.</summary>
    public Dictionary<string, string> Roles { get; set; } = new(StringComparer.Ordinal);
}
