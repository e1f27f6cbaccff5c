using System.Globalization;
using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Verification;

/// <summary>
/// Runs a <see cref="VerificationPlan"/> with the gateway's own identity and its own credential issuer (the AssumeRole
/// requests and session policies the gateway sends), against whatever AWS the configuration points at. Canary items
/// are written and removed by the canary sessions; leftovers of an interrupted run are removed first.
/// Reports error codes and ARNs only, never credentials.
/// </summary>
public sealed class VerificationRunner : IVerificationRunner
{
    private const string Allowed = "allowed";
    private const string AccessDenied = "AccessDenied";
    private const string CanaryUser = "zz-verify";

    private readonly ICredentialIssuer _issuer;
    private readonly IAmazonSecurityTokenService _sts;
    private readonly IAmazonDynamoDB _gatewayDynamoDb;
    private readonly TenantIsolationOptions _options;
    private readonly PermissionSetCatalog _catalog;
    private readonly IamClient? _iam;
    private readonly VerificationEndpoint _stsEndpoint;
    private readonly VerificationEndpoint _dynamoDbEndpoint;
    private readonly TimeProvider _time;

    internal VerificationRunner(ICredentialIssuer issuer, IAmazonSecurityTokenService sts, IAmazonDynamoDB gatewayDynamoDb, TenantIsolationOptions options, PermissionSetCatalog catalog, IamClient? iam = null, TimeProvider? time = null)
    {
        _iam = iam;
        _time = time ?? TimeProvider.System;
        _issuer = issuer;
        _sts = sts;
        _gatewayDynamoDb = gatewayDynamoDb;
        _options = options;
        _catalog = catalog;
        var endpoints = VerificationEndpoints.For(options.Aws);
        _stsEndpoint = endpoints.Single(e => e.Service == "STS");
        _dynamoDbEndpoint = endpoints.Single(e => e.Service == "DynamoDB");
    }

    /// <summary>The endpoints this runner calls (STS, IAM, DynamoDB), as configured.</summary>
    public IReadOnlyList<VerificationEndpoint> Endpoints => VerificationEndpoints.For(_options.Aws);

    public async Task<VerificationReport> RunAsync(VerificationPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var checks = new List<VerificationCheck>();
        var canarySortKey = VerificationPlan.CanaryPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

        var caller = await CheckGatewayIdentityAsync(plan, canarySortKey, checks, cancellationToken).ConfigureAwait(false);
        await CheckPolicySizesAsync(checks, cancellationToken).ConfigureAwait(false);
        await CheckTenantRoleTrustsAsync(plan, checks, cancellationToken).ConfigureAwait(false);
        await CheckTenantRoleRevocationsAsync(plan, caller, canarySortKey, checks, cancellationToken).ConfigureAwait(false);

        var sessions = new Dictionary<(string Org, string Set), IAmazonDynamoDB>();
        try
        {
            foreach (var session in plan.Sessions)
            {
                var client = await AssumeAsync(session, checks, cancellationToken).ConfigureAwait(false);
                if (client is not null)
                {
                    sessions[(session.Organization, session.PermissionSet)] = client;
                }
            }

            await CleanUpAsync(plan, sessions, _dynamoDbEndpoint, checks: null, cancellationToken).ConfigureAwait(false);
            foreach (var session in plan.Sessions)
            {
                sessions.TryGetValue((session.Organization, session.PermissionSet), out var client);
                foreach (var probe in session.Probes)
                {
                    var observed = client is null
                        ? "no session"
                        : await ObserveAsync(client, _dynamoDbEndpoint, plan.Tables[probe.Table], probe, canarySortKey, cancellationToken).ConfigureAwait(false);
                    checks.Add(new VerificationCheck(probe.Name, Describe(probe.Expected), observed, Passes(probe.Expected, observed)));
                }
            }

            await CleanUpAsync(plan, sessions, _dynamoDbEndpoint, checks, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var client in sessions.Values)
            {
                client.Dispose();
            }
        }

        return new VerificationReport(checks);
    }

    /// <summary>
    /// Per tenant role: the gateway's identity cannot write it, and its tenant-revocations are revoke's and sound
    /// (<see cref="TenantRoleRevocations"/>); then, for each organization with an active revocation (at most
    /// <see cref="TenantRoleRevocations.MaxFreshSessionProbes"/>), a fresh session from the gateway's issuer may still
    /// read its own partition — a revocation must never lock out the credentials issued after it.
    /// </summary>
    private async Task CheckTenantRoleRevocationsAsync(VerificationPlan plan, string caller, string sortKey, List<VerificationCheck> checks, CancellationToken cancellationToken)
    {
        var revoked = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var role in _catalog.TenantRoleNames())
        {
            checks.Add(await TenantRoleScope.CheckAsync(_iam, role, _options.Mode, cancellationToken).ConfigureAwait(false));
            checks.Add(await TenantRoleRevocations.CheckWriteRefusedAsync(_iam, caller, role, cancellationToken).ConfigureAwait(false));
            var (check, organizations) = await TenantRoleRevocations.CheckRevocationsAsync(_iam, role, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            checks.Add(check);
            revoked.UnionWith(organizations.Select(o => o.Value));
        }

        // The first permission set that can read a table (the probe is a GetItem of a canary key that does not exist).
        var reader = _catalog.Sets.OrderBy(s => s.Key, StringComparer.Ordinal)
            .SelectMany(s => s.Value.Tables.Where(t => t.Read && plan.Tables.ContainsKey(t.TableName)).OrderBy(t => t.TableName, StringComparer.Ordinal).Select(t => (Set: s.Key, Table: t.TableName)))
            .FirstOrDefault();
        foreach (var organization in revoked.Take(TenantRoleRevocations.MaxFreshSessionProbes))
        {
            var name = TenantRoleRevocations.FreshSessionCheckName(organization);
            if (reader.Set is null)
            {
                checks.Add(new VerificationCheck(name, Allowed, "not checked (no permission set reads a table)", false));
                continue;
            }

            var assumed = await AssumeAsync(organization, reader.Set, CanaryUser, ShardCount.One, cancellationToken).ConfigureAwait(false);
            using var client = assumed.Client;
            var observed = client is null
                ? $"no session ({assumed.Check.Observed})"
                : await ObserveAsync(client, _dynamoDbEndpoint, plan.Tables[reader.Table], new VerificationProbe
                {
                    Name = name,
                    Operation = ProbeOperation.GetItem,
                    Table = reader.Table,
                    Targets = [organization],
                    Expected = ProbeExpectation.Allowed,
                }, sortKey, cancellationToken).ConfigureAwait(false);
            checks.Add(new VerificationCheck(name, Allowed, observed, Passes(ProbeExpectation.Allowed, observed)));
        }
    }

    /// <summary>Adds the gateway-identity checks; returns the caller's ARN as observed (or the error).</summary>
    private async Task<string> CheckGatewayIdentityAsync(VerificationPlan plan, string sortKey, List<VerificationCheck> checks, CancellationToken cancellationToken)
    {
        var observed = await ObserveAsync(async () =>
        {
            var identity = await _sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), cancellationToken).ConfigureAwait(false);
            return identity.Arn;
        }, _stsEndpoint).ConfigureAwait(false);
        checks.Add(new VerificationCheck("gateway identity (GetCallerIdentity)", "an identity", observed, observed.StartsWith("arn:", StringComparison.Ordinal)));

        foreach (var (name, table) in plan.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var result = await ObserveAsync(async () =>
            {
                await _gatewayDynamoDb.GetItemAsync(new GetItemRequest { TableName = name, Key = Key(table, plan.Organizations[0], sortKey) }, cancellationToken).ConfigureAwait(false);
                return Allowed;
            }, _dynamoDbEndpoint).ConfigureAwait(false);
            checks.Add(new VerificationCheck($"gateway identity: GetItem {name} → {plan.Organizations[0]}", Describe(ProbeExpectation.Denied), result, Passes(ProbeExpectation.Denied, result)));
        }

        return observed;
    }

    /// <summary>
    /// Per permission set: the worst case (a 64-character id with 64 shards, every table and index of the set) fits
    /// 2,048 characters, and STS accepts it: an AssumeRole with exactly that session policy (the gateway's own request for
    /// organization <see cref="WorstCaseOrganization"/> with 64 shards), reporting STS's <c>PackedPolicySize</c>.
    /// </summary>
    private async Task CheckPolicySizesAsync(List<VerificationCheck> checks, CancellationToken cancellationToken)
    {
        var builder = new SessionPolicyBuilder(_catalog.Scope);
        foreach (var (name, set) in _catalog.Sets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var limit = string.Create(CultureInfo.InvariantCulture, $"≤ {SessionPolicyBuilder.MaxPlaintextLength} characters");
            var sts = WorstCaseStsCheckName(name);
            if (_options.Mode == IsolationMode.Abac)
            {
                checks.Add(new VerificationCheck($"worst-case session policy {name}", limit, "Abac mode: no session policy", true));
                checks.Add(new VerificationCheck(sts, WorstCaseStsExpected, "Abac mode: no session policy", true));
                continue;
            }

            var length = builder.WorstCaseLength(set);
            checks.Add(new VerificationCheck($"worst-case session policy {name}", limit, length.ToString(CultureInfo.InvariantCulture), length <= SessionPolicyBuilder.MaxPlaintextLength));
            if (length > SessionPolicyBuilder.MaxPlaintextLength)
            {
                checks.Add(new VerificationCheck(sts, WorstCaseStsExpected, "not sent (over 2,048 characters)", false));
                continue;
            }

            var assumed = await AssumeAsync(WorstCaseOrganization, name, CanaryUser, ShardCount.Create(ShardCount.Max), cancellationToken).ConfigureAwait(false);
            using var client = assumed.Client;
            checks.Add(new VerificationCheck(sts, WorstCaseStsExpected, assumed.Check.Observed, assumed.Check.Passed));
        }
    }

    /// <summary>A 64-character canary id (the longest an organization id can be), for the worst-case AssumeRole.</summary>
    public static readonly string WorstCaseOrganization = "zz-verify-worst-case-" + new string('x', OrganizationId.MaxLength - 21);

    public const string WorstCaseStsExpected = "credentials (STS accepts the packed size)";

    public static string WorstCaseStsCheckName(string permissionSet) => $"worst-case session policy {permissionSet}: AssumeRole with 64 shards and a 64-character id";

    /// <summary>Name of the SourceIdentity check of <c>TenantIsolation:RoleArn</c>'s role (another role's: <see cref="SourceIdentityCheckName"/>).</summary>
    public const string SourceIdentityCheck = "AssumeRole without SourceIdentity";

    /// <summary>What a tag holding a pattern character may be refused with: AWS STS does not accept <c>#</c>, <c>*</c>, <c>?</c> in a tag value at all.</summary>
    public const string PatternTagExpected = "AccessDenied or ValidationError";

    public static string SourceIdentityCheckName(string role) => $"tenant role {role}: AssumeRole without SourceIdentity";

    public static string TagCheckName(string role, string? tag) => tag switch
    {
        null => $"tenant role {role}: AssumeRole without the organizationId tag",
        "" => $"tenant role {role}: AssumeRole with an empty organizationId tag",
        _ => $"tenant role {role}: AssumeRole with organizationId tag {tag}",
    };

    /// <summary>The tag values the ABAC trust must refuse for canary <paramref name="organization"/> (none, empty, each pattern character), in order.</summary>
    public static IReadOnlyList<string?> RefusedTags(string organization) => [null, string.Empty, organization + "#0", "*", organization + "?"];

    /// <summary>
    /// Per tenant role the gateway assumes (SessionPolicy mode: <c>TenantIsolation:RoleArn</c>; Abac mode: each permission
    /// set's role), with the gateway's own AssumeRole request for the first canary and a permission set of that role:
    /// without its SourceIdentity it is refused; the trust (IAM GetRole) admits only the gateway; and in Abac mode, where
    /// the <c>organizationId</c> tag is the session's only scope, it is refused without the tag, with an empty one and with
    /// one holding <c>#</c>, <c>*</c> or <c>?</c>, beside the same request with the canary's tag issued (the allow twin).
    /// <c>RoleArn</c>'s role keeps the names <see cref="SourceIdentityCheck"/> and <see cref="VerificationPlan.TenantRoleTrustCheck"/>.
    /// </summary>
    private async Task CheckTenantRoleTrustsAsync(VerificationPlan plan, List<VerificationCheck> checks, CancellationToken cancellationToken)
    {
        var roles = TenantRoles();
        if (_issuer is not StsCredentialIssuer sts || plan.Sessions.Count == 0 || roles.Count == 0)
        {
            checks.Add(new VerificationCheck(SourceIdentityCheck, Describe(ProbeExpectation.Denied), "not checked (no STS issuer)", false));
            checks.Add(await TenantRoleTrust.CheckAsync(_sts, _iam, _options.RoleArn, cancellationToken).ConfigureAwait(false));
            return;
        }

        var primary = roles.FirstOrDefault(r => r.Arn == _options.RoleArn).Role ?? roles[0].Role;
        var organization = plan.Organizations[0];
        foreach (var (role, arn, set) in roles)
        {
            var isPrimary = role == primary;
            var permissionSet = _catalog.Sets[set];
            AssumeRoleRequest Request() => sts.BuildRequest(KeyFor(organization, set, CanaryUser, ShardCount.One), permissionSet);

            var withoutSourceIdentity = Request();
            withoutSourceIdentity.SourceIdentity = null;
            checks.Add(await AssumeRoleCheckAsync(isPrimary ? SourceIdentityCheck : SourceIdentityCheckName(role), withoutSourceIdentity, ProbeExpectation.Denied, cancellationToken).ConfigureAwait(false));
            checks.Add(await TenantRoleTrust.CheckAsync(_sts, _iam, arn, isPrimary ? VerificationPlan.TenantRoleTrustCheck : TenantRoleTrust.CheckName(role), cancellationToken).ConfigureAwait(false));
            if (_options.Mode != IsolationMode.Abac)
            {
                continue;
            }

            checks.Add(await AssumeRoleCheckAsync(TagCheckName(role, organization), Request(), ProbeExpectation.Allowed, cancellationToken).ConfigureAwait(false));
            foreach (var tag in RefusedTags(organization))
            {
                var request = Request();
                request.Tags = tag is null ? null : [new Amazon.SecurityToken.Model.Tag { Key = SessionPolicyBuilder.OrganizationTagKey, Value = tag }];
                var check = await AssumeRoleCheckAsync(TagCheckName(role, tag), request, ProbeExpectation.Denied, cancellationToken).ConfigureAwait(false);
                checks.Add(tag is { Length: > 0 }
                    // AWS STS refuses a tag value outside [\p{L}\p{Z}\p{N}_.:/=+\-@]* before the trust is evaluated: refused all the same.
                    ? check with { Expected = PatternTagExpected, Passed = check.Passed || check.Observed == "ValidationError" }
                    : check);
            }
        }
    }

    /// <summary>Sends <paramref name="request"/> (never used: the credentials are dropped) and judges it: Denied needs a genuine AccessDenied.</summary>
    private async Task<VerificationCheck> AssumeRoleCheckAsync(string name, AssumeRoleRequest request, ProbeExpectation expected, CancellationToken cancellationToken)
    {
        var observed = await ObserveAsync(async () =>
        {
            await _sts.AssumeRoleAsync(request, cancellationToken).ConfigureAwait(false);
            return "credentials issued";
        }, _stsEndpoint).ConfigureAwait(false);
        return expected == ProbeExpectation.Allowed
            ? new VerificationCheck(name, "credentials", observed, observed == "credentials issued")
            : new VerificationCheck(name, Describe(ProbeExpectation.Denied), observed, Passes(ProbeExpectation.Denied, observed));
    }

    /// <summary>Each tenant role the gateway assumes (name, ARN) with the first permission set (ordinal) that assumes it, in role-name order.</summary>
    private List<(string Role, string Arn, string Set)> TenantRoles()
    {
        var roles = new SortedDictionary<string, (string Arn, string Set)>(StringComparer.Ordinal);
        foreach (var (name, set) in _catalog.Sets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var arn = _options.Mode == IsolationMode.Abac ? _catalog.RoleArnOf(set) ?? _options.RoleArn : _options.RoleArn;
            var role = arn is null ? string.Empty : arn[(arn.LastIndexOf('/') + 1)..];
            if (role.Length > 0)
            {
                roles.TryAdd(role, (arn!, name));
            }
        }

        return roles.Select(r => (r.Key, r.Value.Arn, r.Value.Set)).ToList();
    }

    private async Task<IAmazonDynamoDB?> AssumeAsync(VerificationSession session, List<VerificationCheck> checks, CancellationToken cancellationToken)
    {
        var assumed = await AssumeAsync(session.Organization, session.PermissionSet, CanaryUser, ShardCount.Create(session.Shards), cancellationToken).ConfigureAwait(false);
        checks.Add(assumed.Check);
        return assumed.Client;
    }

    /// <summary>
    /// Obtains credentials for <paramref name="organization"/> with <paramref name="permissionSet"/>'s session policy
    /// from the gateway's own credential issuer (the AssumeRole request the gateway sends; <paramref name="user"/> is the
    /// session's user when <c>CredentialScope</c> is <c>User</c>). The check passes when credentials were issued; an STS
    /// failure (<see cref="StsFailure"/>) fails it, named, and no client is returned. Dispose the client.
    /// </summary>
    public Task<VerificationSessionResult> AssumeAsync(string organization, string permissionSet, string user, CancellationToken cancellationToken)
        => AssumeAsync(organization, permissionSet, user, ShardCount.One, cancellationToken);

    /// <summary>
    /// As <see cref="AssumeAsync(string, string, string, CancellationToken)"/> for an organization with
    /// <paramref name="shards"/> shards (the session policy allows its shard keys); a sharded session's observation adds
    /// the shard count and STS's <c>PackedPolicySize</c> (or that STS returned none).
    /// </summary>
    public async Task<VerificationSessionResult> AssumeAsync(string organization, string permissionSet, string user, ShardCount shards, CancellationToken cancellationToken)
    {
        ScopedCredentials? credentials = null;
        var observed = await ObserveAsync(async () =>
        {
            credentials = await _issuer.IssueAsync(KeyFor(organization, permissionSet, user, shards), _catalog.Sets[permissionSet], cancellationToken).ConfigureAwait(false);
            if (!shards.IsSharded)
            {
                return $"session {credentials.SessionName}";
            }

            var packed = credentials.PackedPolicySize is { } size ? string.Create(CultureInfo.InvariantCulture, $"PackedPolicySize {size}%") : "no PackedPolicySize from STS";
            return $"session {credentials.SessionName}, {shards} shards, {packed}";
        }, _stsEndpoint).ConfigureAwait(false);
        var check = new VerificationCheck($"{permissionSet} {organization}: AssumeRole with the session policy", "credentials", observed, credentials is not null);
        return credentials is null
            ? new VerificationSessionResult(check, null, null)
            : new VerificationSessionResult(check, AwsClientFactory.CreateDynamoDb(_options.Aws, new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken)), credentials.SessionName);
    }

    private CredentialKey KeyFor(VerificationSession session) => KeyFor(session.Organization, session.PermissionSet, CanaryUser, ShardCount.Create(session.Shards));

    private CredentialKey KeyFor(string organization, string permissionSet, string user, ShardCount shards)
        => new(
            OrganizationId.Parse(organization),
            permissionSet,
            _options.CredentialScope == CredentialScope.User ? user : null,
            _catalog.TryGetByName(permissionSet, out var set) ? _catalog.PolicyDigest(set) : string.Empty,
            shards);

    /// <summary>
    /// Removes canary items (this run's and any interrupted run's) with the first write-capable session per organization
    /// and table, under every partition key of the organization (a sharded canary's shard keys and its bare key).
    /// </summary>
    private static async Task CleanUpAsync(VerificationPlan plan, Dictionary<(string Org, string Set), IAmazonDynamoDB> sessions, VerificationEndpoint endpoint, List<VerificationCheck>? checks, CancellationToken cancellationToken)
    {
        foreach (var organization in plan.Sessions.Select(s => s.Organization).Distinct(StringComparer.Ordinal))
        {
            var partitions = VerificationPlan.PartitionKeys(organization, plan.Sessions.First(s => s.Organization == organization).Shards);
            foreach (var (tableName, table) in plan.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                var writer = plan.Sessions
                    .Where(s => s.Organization == organization && sessions.ContainsKey((organization, s.PermissionSet)))
                    .FirstOrDefault(s => s.Probes.Any(p => p.Table == tableName && p.Operation == ProbeOperation.PutItem && p.Expected == ProbeExpectation.Allowed));
                if (writer is null)
                {
                    continue;
                }

                var client = sessions[(organization, writer.PermissionSet)];
                var observed = await ObserveAsync(async () =>
                {
                    var left = 0;
                    foreach (var partition in partitions)
                    {
                        var keys = await FindCanariesAsync(client, tableName, table, partition, cancellationToken).ConfigureAwait(false);
                        foreach (var key in keys)
                        {
                            await client.DeleteItemAsync(new DeleteItemRequest { TableName = tableName, Key = key }, cancellationToken).ConfigureAwait(false);
                        }

                        left += (await FindCanariesAsync(client, tableName, table, partition, cancellationToken).ConfigureAwait(false)).Count;
                    }

                    return string.Create(CultureInfo.InvariantCulture, $"{left} left");
                }, endpoint).ConfigureAwait(false);
                checks?.Add(new VerificationCheck($"{writer.PermissionSet} {organization}: canary items removed from {tableName}", "0 left", observed, observed == "0 left"));
            }
        }
    }

    private static async Task<List<Dictionary<string, AttributeValue>>> FindCanariesAsync(IAmazonDynamoDB client, string tableName, TenantTableOptions table, string organization, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = tableName,
            ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = table.PartitionKey },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pk"] = new(organization) },
            KeyConditionExpression = "#pk = :pk",
            ConsistentRead = true,
        };
        if (table.SortKey is not null)
        {
            request.ExpressionAttributeNames["#sk"] = table.SortKey;
            request.ExpressionAttributeValues[":prefix"] = new(VerificationPlan.CanaryPrefix);
            request.KeyConditionExpression += " AND begins_with(#sk, :prefix)";
        }

        var found = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var response = await client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in response.Items ?? [])
            {
                var key = new Dictionary<string, AttributeValue> { [table.PartitionKey] = item[table.PartitionKey] };
                if (table.SortKey is not null)
                {
                    key[table.SortKey] = item[table.SortKey];
                }

                found.Add(key);
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return found;
    }

    /// <summary>
    /// Runs one <paramref name="probe"/> with <paramref name="client"/> (a tenant session) and judges it exactly as
    /// <c>verify</c> does; used by the migration's per-organization isolation check.
    /// </summary>
    public static async Task<VerificationCheck> ProbeAsync(IAmazonDynamoDB client, TenantTableOptions table, VerificationProbe probe, string sortKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var observed = await ObserveAsync(client, EndpointOf(client), table, probe, sortKey, cancellationToken).ConfigureAwait(false);
        return new VerificationCheck(probe.Name, Describe(probe.Expected), observed, Passes(probe.Expected, observed));
    }

    private static Task<string> ObserveAsync(IAmazonDynamoDB client, VerificationEndpoint endpoint, TenantTableOptions table, VerificationProbe probe, string sortKey, CancellationToken ct)
        => ObserveAsync(async () =>
        {
            await SendAsync(client, table, probe, sortKey, ct).ConfigureAwait(false);
            return Allowed;
        }, endpoint);

    /// <summary>Where <paramref name="client"/> sends its requests (its service URL, or its region's DynamoDB endpoint).</summary>
    private static VerificationEndpoint EndpointOf(IAmazonDynamoDB client)
    {
        var config = client.Config;
        var url = !string.IsNullOrEmpty(config.ServiceURL)
            ? new Uri(config.ServiceURL)
            : new Uri($"https://dynamodb.{config.RegionEndpoint?.SystemName ?? "us-east-1"}.amazonaws.com/");
        return new VerificationEndpoint("DynamoDB", url, "TenantIsolation:Aws:DynamoDbServiceUrl");
    }

    private static async Task SendAsync(IAmazonDynamoDB client, TenantTableOptions table, VerificationProbe probe, string sortKey, CancellationToken ct)
    {
        var name = probe.Table;
        var target = probe.Targets[^1];
        Dictionary<string, AttributeValue> KeyOf(string organization) => Key(table, organization, sortKey);
        Dictionary<string, AttributeValue> ItemOf(string organization) => new(KeyOf(organization)) { ["verify"] = new("canary") };
        switch (probe.Operation)
        {
            case ProbeOperation.GetItem:
                await client.GetItemAsync(new GetItemRequest { TableName = name, Key = KeyOf(target), ConsistentRead = true }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.Query:
                await client.QueryAsync(new QueryRequest
                {
                    TableName = name,
                    IndexName = probe.Index,
                    KeyConditionExpression = "#pk = :pk",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#pk"] = table.PartitionKey },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pk"] = new(target) },
                }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.PutItem:
                await client.PutItemAsync(new PutItemRequest { TableName = name, Item = ItemOf(target) }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.UpdateItem:
                await client.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = name,
                    Key = KeyOf(target),
                    UpdateExpression = "SET #v = :v",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#v"] = "verify" },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":v"] = new("updated") },
                }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.DeleteItem:
                await client.DeleteItemAsync(new DeleteItemRequest { TableName = name, Key = KeyOf(target) }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.BatchGetItem:
                await client.BatchGetItemAsync(new BatchGetItemRequest
                {
                    RequestItems = new Dictionary<string, KeysAndAttributes> { [name] = new() { Keys = probe.Targets.Select(KeyOf).ToList() } },
                }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.BatchWriteItem:
                await client.BatchWriteItemAsync(new BatchWriteItemRequest
                {
                    RequestItems = new Dictionary<string, List<WriteRequest>>
                    {
                        [name] = probe.Targets.Select(o => new WriteRequest { PutRequest = new PutRequest { Item = ItemOf(o) } }).ToList(),
                    },
                }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.TransactGetItems:
                await client.TransactGetItemsAsync(new TransactGetItemsRequest
                {
                    TransactItems = probe.Targets.Select(o => new TransactGetItem { Get = new Get { TableName = name, Key = KeyOf(o) } }).ToList(),
                }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.TransactWriteItems:
                await client.TransactWriteItemsAsync(new TransactWriteItemsRequest
                {
                    TransactItems = probe.Targets.Select(o => new TransactWriteItem { Put = new Put { TableName = name, Item = ItemOf(o) } }).ToList(),
                }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.PartiQLKeyless:
                await client.ExecuteStatementAsync(new ExecuteStatementRequest { Statement = $"SELECT * FROM \"{name}\"" }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.PartiQLByPartition:
                await client.ExecuteStatementAsync(new ExecuteStatementRequest
                {
                    Statement = $"SELECT * FROM \"{name}\" WHERE \"{table.PartitionKey}\" = ?",
                    Parameters = [new AttributeValue(target)],
                }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.Scan:
                await client.ScanAsync(new ScanRequest { TableName = name, Limit = 1 }, ct).ConfigureAwait(false);
                break;
            case ProbeOperation.DescribeTable:
                await client.DescribeTableAsync(new DescribeTableRequest { TableName = name }, ct).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(probe), probe.Operation, "Unknown probe operation.");
        }
    }

    private static Dictionary<string, AttributeValue> Key(TenantTableOptions table, string organization, string sortKey)
    {
        var key = new Dictionary<string, AttributeValue> { [table.PartitionKey] = new(organization) };
        if (table.SortKey is not null)
        {
            key[table.SortKey] = new(sortKey);
        }

        return key;
    }

    /// <summary>
    /// The call's result, or the AWS error code (never the message, which may quote request content), or, when no AWS
    /// answer came back, "error: TYPE calling SERVICE at URL (cause)": never a code a check could take for a denial.
    /// </summary>
    private static async Task<string> ObserveAsync(Func<Task<string>> call, VerificationEndpoint endpoint)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            return string.IsNullOrEmpty(e.ErrorCode) ? e.GetType().Name : e.ErrorCode;
        }
        catch (Exception e) when (StsFailure.IsFailure(e))
        {
            return $"error: {e.GetType().Name} calling {endpoint} ({VerificationEndpoints.Cause(e)})";
        }
    }

    private static string Describe(ProbeExpectation expected) => expected switch
    {
        ProbeExpectation.Allowed => Allowed,
        ProbeExpectation.Denied => AccessDenied,
        _ => "not AccessDenied",
    };

    /// <summary>
    /// Only a genuine AccessDenied from AWS proves a denial: any other error (ResourceNotFoundException, a transport
    /// error, no session) fails a Denied check, because it says nothing about what IAM would have allowed.
    /// </summary>
    internal static bool Passes(ProbeExpectation expected, string observed)
    {
        var denied = observed is "AccessDenied" or "AccessDeniedException";
        return expected switch
        {
            ProbeExpectation.Allowed => observed == Allowed,
            ProbeExpectation.Denied => denied,
            _ => !denied && observed != "no session" && !observed.StartsWith("error:", StringComparison.Ordinal),
        };
    }
}
