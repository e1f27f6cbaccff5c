using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Verification;

/// <summary>
/// What <c>verify</c> proves, generated from the configuration: for two canary organizations and every permission set,
/// own-partition calls (allowed; writes only for ReadWrite tables) and every cross-tenant call (denied) on each granted
/// table and each configured index; then for a sharded canary organization (<see cref="ShardedOrganization"/> with
/// <see cref="Shards"/> shards) and every permission set, each of its shard keys <c>{org}#k</c> (and the bare
/// <c>{org}</c>, which the session policy still allows) read and written, and its look-alikes (<see cref="LookAlikes"/>:
/// <c>{org}#N</c>, <c>{org}#</c>, <c>{org}-2</c>, <c>{org}.x</c>, <c>{org}x</c>, another organization's key) refused,
/// each with the same call on <c>{org}#0</c> as its allow twin. Canary items have sort keys starting with <see cref="CanaryPrefix"/>.
/// </summary>
public sealed class VerificationPlan
{
    /// <summary>Sort-key prefix of every canary item (a leftover of an interrupted run is recognized by it).</summary>
    public const string CanaryPrefix = "zz-verify#";

    /// <summary>Name of the check that the tenant role's trust policy admits only the gateway (IAM GetRole).</summary>
    public const string TenantRoleTrustCheck = "tenant role trust admits only the gateway";

    public const string DefaultOrganizationA = "zz-verify-a";
    public const string DefaultOrganizationB = "zz-verify-b";

    /// <summary>The sharded canary organization (its partition keys are <c>zz-verify-s#0</c>…).</summary>
    public const string DefaultShardedOrganization = "zz-verify-s";

    /// <summary>The sharded canary's shard count.</summary>
    public const int DefaultShards = 4;

    private VerificationPlan(IReadOnlyList<string> organizations, string shardedOrganization, ShardCount shards, IReadOnlyDictionary<string, TenantTableOptions> tables, IReadOnlyList<VerificationSession> sessions)
    {
        Organizations = organizations;
        ShardedOrganization = shardedOrganization;
        Shards = shards;
        Tables = tables;
        Sessions = sessions;
    }

    /// <summary>The two (unsharded) canary organizations.</summary>
    public IReadOnlyList<string> Organizations { get; }

    /// <summary>The sharded canary organization (sessions with <see cref="VerificationSession.Shards"/> = <see cref="Shards"/>).</summary>
    public string ShardedOrganization { get; }

    public ShardCount Shards { get; }

    /// <summary>The tenant tables (name → keys and indexes).</summary>
    public IReadOnlyDictionary<string, TenantTableOptions> Tables { get; }

    public IReadOnlyList<VerificationSession> Sessions { get; }

    /// <summary>
    /// The plan for <paramref name="options"/> (validated), two distinct, valid canary organizations and the sharded
    /// canary <see cref="DefaultShardedOrganization"/> with <see cref="DefaultShards"/> shards (or, when it is one of the
    /// two, <c>{A}-sharded</c>).
    /// </summary>
    public static VerificationPlan Create(TenantIsolationOptions options, string organizationA = DefaultOrganizationA, string organizationB = DefaultOrganizationB)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OrganizationId.IsWellFormed(organizationA) || !OrganizationId.IsWellFormed(organizationB) || string.Equals(organizationA, organizationB, StringComparison.Ordinal))
        {
            throw new ArgumentException("Two distinct valid organization ids are required.", nameof(organizationB));
        }

        var sharded = DefaultShardedOrganization;
        if (sharded == organizationA || sharded == organizationB)
        {
            sharded = organizationA.Length <= OrganizationId.MaxLength - 8 ? organizationA + "-sharded" : organizationA[..(OrganizationId.MaxLength - 8)] + "-sharded";
        }

        return Create(options, organizationA, organizationB, sharded, ShardCount.Create(DefaultShards));
    }

    /// <summary>The plan with an explicit sharded canary (distinct from both, sharded).</summary>
    public static VerificationPlan Create(TenantIsolationOptions options, string organizationA, string organizationB, string shardedOrganization, ShardCount shards)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OrganizationId.IsWellFormed(organizationA) || !OrganizationId.IsWellFormed(organizationB) || string.Equals(organizationA, organizationB, StringComparison.Ordinal))
        {
            throw new ArgumentException("Two distinct valid organization ids are required.", nameof(organizationB));
        }

        if (!OrganizationId.IsWellFormed(shardedOrganization) || shardedOrganization == organizationA || shardedOrganization == organizationB || !shards.IsSharded)
        {
            throw new ArgumentException("The sharded canary must be a third valid organization id with more than one shard.", nameof(shardedOrganization));
        }

        var sessions = new List<VerificationSession>();
        foreach (var (own, other) in new[] { (organizationA, organizationB), (organizationB, organizationA) })
        {
            foreach (var (setName, set) in options.PermissionSets.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                var probes = new List<VerificationProbe>();
                foreach (var (tableName, level) in set.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
                {
                    options.Tables.TryGetValue(tableName, out var table);
                    var indexes = table?.Indexes ?? [];
                    AddTableProbes(probes, setName, own, other, tableName, indexes, level >= TableAccessLevel.ReadWrite, table?.PartiQL ?? false);
                }

                sessions.Add(new VerificationSession { Organization = own, OtherOrganization = other, PermissionSet = setName, Probes = probes });
            }
        }

        using var catalog = new PermissionSetCatalog(options);
        var builder = new SessionPolicyBuilder(catalog.Scope);
        foreach (var (setName, set) in options.PermissionSets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            // Out-of-range shard keys are refused only where the policy lists the keys exactly (SessionPolicy mode, when
            // the list fits); the {org}#* pattern (ABAC's role policy, the long-id fallback) admits the organization's own.
            var exact = options.Mode != IsolationMode.Abac
                && catalog.TryGetByName(setName, out var permissionSet)
                && builder.Build(OrganizationId.Parse(shardedOrganization), permissionSet, shards).Keys == LeadingKeysForm.ExactList;
            var probes = new List<VerificationProbe>();
            foreach (var (tableName, level) in set.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                options.Tables.TryGetValue(tableName, out var table);
                AddShardedTableProbes(probes, setName, shardedOrganization, shards, exact, organizationA, tableName, table?.Indexes ?? [], level >= TableAccessLevel.ReadWrite);
            }

            sessions.Add(new VerificationSession { Organization = shardedOrganization, OtherOrganization = organizationA, PermissionSet = setName, Shards = shards.Value, Probes = probes });
        }

        return new VerificationPlan([organizationA, organizationB], shardedOrganization, shards, options.Tables, sessions);
    }

    /// <summary>
    /// Partition key values a sharded <paramref name="organization"/>'s session must be refused, in order: with an
    /// <paramref name="exact"/> key list <c>{org}#N</c> (past the last shard) and <c>{org}#</c>; always <c>{org}-2</c>,
    /// <c>{org}.x</c>, <c>{org}x</c> (what <c>StringLike {org}*</c> would admit; <see cref="WidenedLookAlike"/>) and
    /// <paramref name="other"/>'s key.
    /// </summary>
    public static IReadOnlyList<string> LookAlikes(string organization, ShardCount shards, string other, bool exact = true)
        => exact
            ? [$"{organization}#{shards.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}", $"{organization}#", $"{organization}-2", $"{organization}.x", WidenedLookAlike(organization), other]
            : [$"{organization}-2", $"{organization}.x", WidenedLookAlike(organization), other];

    /// <summary><c>{org}x</c>: another organization's id that a <c>StringLike {org}*</c> (no <c>#</c>) would admit.</summary>
    public static string WidenedLookAlike(string organization) => organization + "x";

    /// <summary>Every partition key value a canary session of <paramref name="organization"/> may write (its canary items live there).</summary>
    public static IReadOnlyList<string> PartitionKeys(string organization, int shards)
        => shards <= 1 ? [organization] : [organization, .. ShardCount.Create(shards).PartitionKeys(OrganizationId.Parse(organization))];

    private static void AddShardedTableProbes(List<VerificationProbe> probes, string set, string own, ShardCount shards, bool exact, string other, string table, IList<string> indexes, bool write)
    {
        var subject = $"{set} {own} ({shards} shards)";
        void Add(ProbeOperation operation, ProbeExpectation expected, string[] targets, string? index = null)
            => probes.Add(Probe(subject, table, operation, expected, targets, index));

        // Each shard key: written (write sets), read, queried; the bare key (allowed while an organization is resharded).
        var keys = ShardCount.Create(shards.Value).PartitionKeys(OrganizationId.Parse(own));
        var first = keys[0];
        var ownWrite = write ? ProbeExpectation.Allowed : ProbeExpectation.Denied;
        foreach (var key in keys)
        {
            if (write || key == first)
            {
                Add(ProbeOperation.PutItem, ownWrite, [key]);
            }

            Add(ProbeOperation.GetItem, ProbeExpectation.Allowed, [key]);
            Add(ProbeOperation.Query, ProbeExpectation.Allowed, [key]);
        }

        Add(ProbeOperation.GetItem, ProbeExpectation.Allowed, [own]);
        Add(ProbeOperation.Query, ProbeExpectation.Allowed, [own]);
        Add(ProbeOperation.BatchGetItem, ProbeExpectation.Allowed, [.. keys]);
        foreach (var index in indexes)
        {
            Add(ProbeOperation.Query, ProbeExpectation.Allowed, [first], index);
        }

        // Look-alikes: each refused; the same call on the first shard key above is its allow twin.
        var lookAlikes = LookAlikes(own, shards, other, exact);
        var widened = WidenedLookAlike(own);
        foreach (var key in lookAlikes)
        {
            Add(ProbeOperation.GetItem, ProbeExpectation.Denied, [key]);
            Add(write ? ProbeOperation.PutItem : ProbeOperation.Query, ProbeExpectation.Denied, [key]);
        }

        Add(ProbeOperation.BatchGetItem, ProbeExpectation.Denied, [first, widened]);
        foreach (var index in indexes)
        {
            Add(ProbeOperation.Query, ProbeExpectation.Denied, [widened], index);
        }

        if (write)
        {
            foreach (var key in keys)
            {
                Add(ProbeOperation.DeleteItem, ProbeExpectation.Allowed, [key]);
            }
        }
    }

    private static void AddTableProbes(List<VerificationProbe> probes, string set, string own, string other, string table, IList<string> indexes, bool write, bool partiQL)
    {
        void Add(ProbeOperation operation, ProbeExpectation expected, string[] targets, string? index = null, string? label = null)
            => probes.Add(Probe($"{set} {own}", table, operation, expected, targets, index, label));

        // Own partition first (a write set creates its canary item, reads it, changes it; it is deleted last).
        var ownWrite = write ? ProbeExpectation.Allowed : ProbeExpectation.Denied;
        Add(ProbeOperation.PutItem, ownWrite, [own]);
        Add(ProbeOperation.GetItem, ProbeExpectation.Allowed, [own]);
        Add(ProbeOperation.UpdateItem, ownWrite, [own]);
        Add(ProbeOperation.Query, ProbeExpectation.Allowed, [own]);
        foreach (var index in indexes)
        {
            Add(ProbeOperation.Query, ProbeExpectation.Allowed, [own], index);
        }

        Add(ProbeOperation.BatchGetItem, ProbeExpectation.Allowed, [own]);
        Add(ProbeOperation.TransactGetItems, ProbeExpectation.NotDenied, [own]);
        if (write)
        {
            Add(ProbeOperation.TransactWriteItems, ProbeExpectation.NotDenied, [own]);
        }

        if (partiQL)
        {
            // Granted PartiQL: the own-partition statement is authorized (dynalite has no PartiQL: LocalAws answers UnknownOperationException).
            Add(ProbeOperation.PartiQLByPartition, ProbeExpectation.NotDenied, [own], label: "ExecuteStatement");
        }

        // Every cross-tenant attempt.
        Add(ProbeOperation.GetItem, ProbeExpectation.Denied, [other]);
        Add(ProbeOperation.Query, ProbeExpectation.Denied, [other]);
        foreach (var index in indexes)
        {
            Add(ProbeOperation.Query, ProbeExpectation.Denied, [other], index);
        }

        Add(ProbeOperation.PutItem, ProbeExpectation.Denied, [other]);
        Add(ProbeOperation.UpdateItem, ProbeExpectation.Denied, [other]);
        Add(ProbeOperation.DeleteItem, ProbeExpectation.Denied, [other]);
        Add(ProbeOperation.BatchGetItem, ProbeExpectation.Denied, [own, other]);
        Add(ProbeOperation.BatchWriteItem, ProbeExpectation.Denied, [own, other]);
        Add(ProbeOperation.TransactGetItems, ProbeExpectation.Denied, [own, other]);
        Add(ProbeOperation.TransactWriteItems, ProbeExpectation.Denied, [own, other]);
        Add(ProbeOperation.PartiQLKeyless, ProbeExpectation.Denied, [other], label: "ExecuteStatement (no key)");
        Add(ProbeOperation.PartiQLByPartition, ProbeExpectation.Denied, [other], label: "ExecuteStatement");
        Add(ProbeOperation.Scan, ProbeExpectation.Denied, [other]);
        Add(ProbeOperation.DescribeTable, ProbeExpectation.Denied, [other]);
        Add(ProbeOperation.DeleteItem, ownWrite, [own]);
    }

    /// <summary>One probe, named as <c>verify</c> prints it: <c>{subject}: {label or operation} {table[/index/name]} → {targets joined by +}</c>.</summary>
    private static VerificationProbe Probe(string subject, string table, ProbeOperation operation, ProbeExpectation expected, string[] targets, string? index, string? label = null)
    {
        var resource = index is null ? table : $"{table}/index/{index}";
        return new VerificationProbe
        {
            Name = $"{subject}: {label ?? operation.ToString()} {resource} → {string.Join('+', targets)}",
            Operation = operation,
            Table = table,
            Index = index,
            Targets = targets,
            Expected = expected,
        };
    }
}
