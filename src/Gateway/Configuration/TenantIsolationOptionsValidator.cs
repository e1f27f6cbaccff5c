using System.Globalization;
using System.Text.RegularExpressions;
using Gateway.Envelopes;
using Gateway.Forwarding;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>
/// Validates <see cref="TenantIsolationOptions"/> and the tenant-relevant parts of the YARP <c>ReverseProxy</c> section,
/// reporting every error at once and naming the offending key. Includes the worst-case session policy size per permission set.
/// Outside the Development and Local environments an envelope key whose bytes are a published development key
/// (<see cref="DevelopmentEnvelopeKeys"/>) is an error: anyone could seal envelopes with it.
/// </summary>
internal sealed partial class TenantIsolationOptionsValidator : IValidateOptions<TenantIsolationOptions>
{
    internal static readonly TimeSpan MaxPositiveTtl = TimeSpan.FromSeconds(60);
    internal static readonly TimeSpan MaxNegativeTtl = TimeSpan.FromSeconds(10);
    private const string S = TenantIsolationOptions.SectionName;
    private readonly IConfiguration? _configuration;
    private readonly IHostEnvironment? _environment;

    /// <param name="configuration">For the ReverseProxy route checks; null skips them.</param>
    /// <param name="environment">The host's environment (always there in the gateway host). Null where no envelope is
    /// ever sealed (the <c>policy</c> command) and in unit tests of other rules: the published-key rule is not applied.</param>
    public TenantIsolationOptionsValidator(IConfiguration? configuration = null, IHostEnvironment? environment = null)
    {
        _configuration = configuration;
        _environment = environment;
    }

    public ValidateOptionsResult Validate(string? name, TenantIsolationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateCore(options, errors);
        ValidateAws(options.Aws, errors);
        ValidateMembership(options.Membership, errors);
        ValidateResilience(options, errors);
        ValidateTablesAndSets(options, errors);
        ValidateEnvelopes(options, errors, _environment);
        if (_configuration is not null)
        {
            ValidateRoutes(_configuration.GetSection("ReverseProxy"), options, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateCore(TenantIsolationOptions o, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(o.RoleArn))
        {
            errors.Add($"{S}:RoleArn is required (the role the gateway assumes for tenants, arn:aws:iam::ACCOUNT:role/NAME).");
        }
        else if (!RoleArn.TryParse(o.RoleArn, out _))
        {
            errors.Add($"{S}:RoleArn '{o.RoleArn}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME).");
        }

        if (o.ExternalId is { } externalId && !ExternalIdPattern().IsMatch(externalId))
        {
            errors.Add($"{S}:ExternalId must be 2-1224 characters of [\\w+=,.@:/-].");
        }

        var seconds = o.CredentialLifetime.TotalSeconds;
        if (seconds < 900 || seconds > 43_200 || o.CredentialLifetime.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add($"{S}:CredentialLifetime must be whole seconds between 00:15:00 and 12:00:00 (STS DurationSeconds 900-43200; 3600 at most when role-chaining); was {o.CredentialLifetime}.");
        }

        if (o.ExpiryBuffer < TimeSpan.Zero)
        {
            errors.Add($"{S}:ExpiryBuffer must not be negative.");
        }

        if (o.RefreshAhead <= o.ExpiryBuffer)
        {
            errors.Add($"{S}:RefreshAhead ({o.RefreshAhead}) must be longer than ExpiryBuffer ({o.ExpiryBuffer}) so a refresh starts before callers have to wait.");
        }

        if (o.RefreshAhead >= o.CredentialLifetime / 2)
        {
            errors.Add($"{S}:RefreshAhead ({o.RefreshAhead}) must be shorter than half of CredentialLifetime ({o.CredentialLifetime}), or every request would refresh.");
        }

        if (o.Cache.SizeLimit < 1)
        {
            errors.Add($"{S}:Cache:SizeLimit must be at least 1.");
        }

        if (o.Cache.RefreshRetryInterval <= TimeSpan.Zero)
        {
            errors.Add($"{S}:Cache:RefreshRetryInterval must be positive.");
        }

        if (o.Cache.EnvelopesPerCredential < 0)
        {
            errors.Add($"{S}:Cache:EnvelopesPerCredential must not be negative.");
        }

        if (string.IsNullOrWhiteSpace(o.Forwarding.EnvelopeIssuer))
        {
            errors.Add($"{S}:Forwarding:EnvelopeIssuer is required.");
        }

        if (o.Forwarding.EnvelopeLifetime < TimeSpan.FromSeconds(10) || o.Forwarding.EnvelopeLifetime > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{S}:Forwarding:EnvelopeLifetime must be between 00:00:10 and 00:05:00 (was {o.Forwarding.EnvelopeLifetime}).");
        }

        var strip = o.Forwarding.StripHeaders ?? [];
        for (var i = 0; i < strip.Length; i++)
        {
            var name = strip[i] ?? string.Empty;
            var body = name.EndsWith('*') ? name[..^1] : name;
            if (body.Length == 0 || !body.All(IsHeaderNameChar))
            {
                errors.Add($"{S}:Forwarding:StripHeaders:{i} '{name}' must be an HTTP header name, or a non-empty prefix ending in '*'.");
            }
        }
    }

    // RFC 9110 token characters, minus '*' (reserved for the prefix form).
    private static bool IsHeaderNameChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static void ValidateAws(AwsOptions aws, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(aws.Region) || !RegionPattern().IsMatch(aws.Region))
        {
            errors.Add($"{S}:Aws:Region '{aws.Region}' is not an AWS region name (e.g. us-east-1).");
        }

        if (aws.StsServiceUrl is { IsAbsoluteUri: false })
        {
            errors.Add($"{S}:Aws:StsServiceUrl must be an absolute URL.");
        }

        if (aws.DynamoDbServiceUrl is { IsAbsoluteUri: false })
        {
            errors.Add($"{S}:Aws:DynamoDbServiceUrl must be an absolute URL.");
        }

        if (string.IsNullOrEmpty(aws.AccessKeyId) != string.IsNullOrEmpty(aws.SecretAccessKey))
        {
            errors.Add($"{S}:Aws:AccessKeyId and {S}:Aws:SecretAccessKey must be set together (or both left empty to use the AWS credential chain).");
        }

        if (aws.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{S}:Aws:RequestTimeout must be positive.");
        }
    }

    private static void ValidateMembership(MembershipOptions m, List<string> errors)
    {
        Required(m.MembershipTable, "Membership:MembershipTable", errors);
        Required(m.UserIdAttribute, "Membership:UserIdAttribute", errors);
        Required(m.OrganizationIdAttribute, "Membership:OrganizationIdAttribute", errors);
        Required(m.RoleAttribute, "Membership:RoleAttribute", errors);
        Required(m.OrganizationsTable, "Membership:OrganizationsTable", errors);
        Required(m.OrganizationsKeyAttribute, "Membership:OrganizationsKeyAttribute", errors);
        Required(m.StatusAttribute, "Membership:StatusAttribute", errors);
        Required(m.ActiveStatus, "Membership:ActiveStatus", errors);
        if (m.PositiveTtl <= TimeSpan.Zero || m.PositiveTtl > MaxPositiveTtl)
        {
            errors.Add($"{S}:Membership:PositiveTtl must be between 0 and 60 seconds (was {m.PositiveTtl}).");
        }

        if (m.NegativeTtl < TimeSpan.Zero || m.NegativeTtl > MaxNegativeTtl)
        {
            errors.Add($"{S}:Membership:NegativeTtl must be between 0 and 10 seconds (was {m.NegativeTtl}).");
        }

        if (m.CacheSizeLimit < 1)
        {
            errors.Add($"{S}:Membership:CacheSizeLimit must be at least 1.");
        }

        if (m.RetryAfter < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{S}:Membership:RetryAfter must be at least 1 second.");
        }
    }

    private static void ValidateResilience(TenantIsolationOptions o, List<string> errors)
    {
        var r = o.Sts;
        if (r.AttemptTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{S}:Sts:AttemptTimeout must be positive.");
        }

        if (r.TotalTimeout < r.AttemptTimeout)
        {
            errors.Add($"{S}:Sts:TotalTimeout ({r.TotalTimeout}) must be at least AttemptTimeout ({r.AttemptTimeout}).");
        }

        if (r.MaxRetries is < 0 or > 10)
        {
            errors.Add($"{S}:Sts:MaxRetries must be between 0 and 10.");
        }

        if (r.RetryBaseDelay <= TimeSpan.Zero)
        {
            errors.Add($"{S}:Sts:RetryBaseDelay must be positive.");
        }

        if (r.CircuitFailureRatio is <= 0 or > 1)
        {
            errors.Add($"{S}:Sts:CircuitFailureRatio must be in (0, 1].");
        }

        if (r.CircuitMinimumThroughput < 2)
        {
            errors.Add($"{S}:Sts:CircuitMinimumThroughput must be at least 2.");
        }

        if (r.CircuitSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{S}:Sts:CircuitSamplingDuration must be at least 500 ms.");
        }

        if (r.CircuitBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{S}:Sts:CircuitBreakDuration must be at least 500 ms.");
        }

        if (r.MaxConcurrency < 1)
        {
            errors.Add($"{S}:Sts:MaxConcurrency must be at least 1.");
        }

        if (r.QueueLimit < 0)
        {
            errors.Add($"{S}:Sts:QueueLimit must not be negative.");
        }

        if (r.RetryAfter < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{S}:Sts:RetryAfter must be at least 1 second.");
        }

        if (r.HealthWindow < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{S}:Sts:HealthWindow must be at least 1 second.");
        }

        if (r.HealthFailureRatio is <= 0 or > 1)
        {
            errors.Add($"{S}:Sts:HealthFailureRatio must be in (0, 1].");
        }

        if (r.HealthMinimumCalls < 1)
        {
            errors.Add($"{S}:Sts:HealthMinimumCalls must be at least 1.");
        }
    }

    private static void ValidateTablesAndSets(TenantIsolationOptions o, List<string> errors)
    {
        if (o.Tables.Count == 0)
        {
            errors.Add($"{S}:Tables must list at least one tenant table with its partition key.");
        }

        foreach (var (table, options) in o.Tables)
        {
            if (!TableNamePattern().IsMatch(table))
            {
                errors.Add($"{S}:Tables:{table} is not a valid DynamoDB table name (3-255 of [A-Za-z0-9_.-]).");
            }

            if (string.IsNullOrWhiteSpace(options?.PartitionKey))
            {
                errors.Add($"{S}:Tables:{table}:PartitionKey is required.");
            }

            for (var i = 0; options?.Indexes is { } indexes && i < indexes.Count; i++)
            {
                if (!TableNamePattern().IsMatch(indexes[i] ?? string.Empty))
                {
                    errors.Add($"{S}:Tables:{table}:Indexes:{i} is not a valid DynamoDB index name (3-255 of [A-Za-z0-9_.-]).");
                }
            }
        }

        if (o.PermissionSets.Count == 0)
        {
            errors.Add($"{S}:PermissionSets must define at least one permission set.");
        }

        var builder = new SessionPolicyBuilder(PermissionSetCatalog.CreateScope(o));
        foreach (var (setName, set) in o.PermissionSets)
        {
            var key = $"{S}:PermissionSets:{setName}";
            if (set is null || set.Tables.Count == 0)
            {
                errors.Add($"{key}:Tables must grant access to at least one table.");
                continue;
            }

            var tablesOk = true;
            foreach (var (table, level) in set.Tables)
            {
                if (!o.Tables.ContainsKey(table))
                {
                    errors.Add($"{key}:Tables:{table} names a table that is not listed under {S}:Tables.");
                    tablesOk = false;
                }

                if (level == TableAccessLevel.None)
                {
                    errors.Add($"{key}:Tables:{table} must be Read or ReadWrite.");
                    tablesOk = false;
                }
            }

            if (!tablesOk || o.Mode == IsolationMode.Abac)
            {
                continue;
            }

            try
            {
                var length = builder.WorstCaseLength(PermissionSetCatalog.ToPermissionSet(setName, set, o.Tables));
                if (length > SessionPolicyBuilder.MaxPlaintextLength)
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{key}: the worst-case session policy for permission set '{setName}' is {length} characters; STS accepts at most {SessionPolicyBuilder.MaxPlaintextLength}. Split the permission set or use Mode=Abac."));
                }
            }
            catch (SessionPolicyTooLargeException ex)
            {
                errors.Add($"{key}: the worst-case session policy for permission set '{setName}' is too large: {ex.Message}");
            }
#pragma warning disable CA1031 // any failure to build the policy is a configuration error to report, with the others
            catch (Exception ex)
#pragma warning restore CA1031
            {
                errors.Add($"{key}: the session policy for permission set '{setName}' cannot be built ({ex.GetType().Name}: {ex.Message}).");
            }
        }

        if (o.Roles.Count == 0)
        {
            errors.Add($"{S}:Roles must map at least one membership role to a permission set.");
        }

        foreach (var (role, setName) in o.Roles)
        {
            if (string.IsNullOrWhiteSpace(setName) || !o.PermissionSets.ContainsKey(setName))
            {
                errors.Add($"{S}:Roles:{role} maps to permission set '{setName}', which is not defined under {S}:PermissionSets.");
            }
        }
    }

    private static void ValidateEnvelopes(TenantIsolationOptions o, List<string> errors, IHostEnvironment? environment)
    {
        foreach (var (cluster, envelope) in o.Envelopes)
        {
            var key = $"{S}:Envelopes:{cluster}";
            if (envelope?.Current is null)
            {
                errors.Add($"{key}:Current is required (KeyId + base64 Key of 64 bytes).");
            }
            else
            {
                ValidateKey(envelope.Current, $"{key}:Current", errors, environment);
            }

            if (envelope?.Previous is { } previous)
            {
                ValidateKey(previous, $"{key}:Previous", errors, environment);
            }
        }
    }

    private static void ValidateKey(EnvelopeKeyOptions key, string path, List<string> errors, IHostEnvironment? environment)
    {
        if (string.IsNullOrWhiteSpace(key.KeyId) || key.KeyId.Length > EnvelopeKey.MaxKeyIdLength)
        {
            errors.Add($"{path}:KeyId is required (1-{EnvelopeKey.MaxKeyIdLength} characters).");
        }
        else if (!EnvelopeKey.IsValidKeyId(key.KeyId))
        {
            errors.Add($"{path}:KeyId must not contain control characters or surrounding whitespace.");
        }

        if (string.IsNullOrWhiteSpace(key.Key))
        {
            errors.Add($"{path}:Key is required (base64 of 64 random bytes).");
            return;
        }

        // The same parser (and base64 rule: standard or URL-safe, padding optional) as backends use.
        if (!EnvelopeKey.TryDecodeBase64(key.Key, out var material))
        {
            errors.Add($"{path}:Key is not valid base64.");
        }
        else if (material.Length != EnvelopeKey.KeySizeInBytes)
        {
            errors.Add($"{path}:Key must decode to exactly {EnvelopeKey.KeySizeInBytes} bytes (A256CBC-HS512); it decodes to {material.Length}.");
        }
        else if (environment is not null
            && !DevelopmentEnvelopeKeys.AllowedIn(environment.EnvironmentName)
            && DevelopmentEnvelopeKeys.IsPublished(material))
        {
            errors.Add(
                $"{path}:Key is a published development key (anyone can seal envelopes with it); it is accepted only in " +
                $"the Development and Local environments, not in '{environment.EnvironmentName}'. Configure a secret key.");
        }
    }

    private static void ValidateRoutes(IConfigurationSection proxy, TenantIsolationOptions o, List<string> errors)
    {
        var clusters = proxy.GetSection("Clusters").GetChildren().Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var route in proxy.GetSection("Routes").GetChildren())
        {
            var key = $"ReverseProxy:Routes:{route.Key}";
            var policy = route["AuthorizationPolicy"];
            var isolatedValue = route.GetSection("Metadata")[TenantRouteMetadata.Isolated];
            if (string.IsNullOrWhiteSpace(policy))
            {
                errors.Add($"{key}:AuthorizationPolicy is required: every route must name an authorization policy (deny by default).");
            }

            if (isolatedValue is not null && !bool.TryParse(isolatedValue, out _))
            {
                errors.Add($"{key}:Metadata:{TenantRouteMetadata.Isolated} must be true or false (was '{isolatedValue}').");
            }

            var clusterId = route["ClusterId"];
            if (!string.IsNullOrEmpty(clusterId) && !clusters.Contains(clusterId))
            {
                errors.Add($"{key}:ClusterId '{clusterId}' is not defined under ReverseProxy:Clusters.");
            }

            if (!bool.TryParse(isolatedValue, out var isolated) || !isolated)
            {
                continue;
            }

            if (string.Equals(policy, "anonymous", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:AuthorizationPolicy must not be 'anonymous' on a tenant-isolated route.");
            }

            if (string.IsNullOrEmpty(clusterId) || !o.Envelopes.ContainsKey(clusterId))
            {
                errors.Add($"{key} is tenant-isolated but its cluster '{clusterId}' has no envelope key under {S}:Envelopes:{clusterId}.");
            }
        }
    }

    private static void Required(string? value, string name, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{S}:{name} is required.");
        }
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-\\d$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^[\w+=,.@:/-]{2,1224}$", RegexOptions.CultureInvariant)]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,255}$", RegexOptions.CultureInvariant)]
    private static partial Regex TableNamePattern();
}
