using Gateway.Isolation.Configuration;
using Gateway.Policies;

namespace Gateway.Verification;

/// <summary>
/// What <c>verify</c> proves, generated from the configuration: for two canary organizations and every permission set,
/// own-partition calls (allowed; writes only for ReadWrite tables) and every cross-tenant call (denied) on each granted
/// table and each configured index. Canary items have sort keys starting with <see cref="CanaryPrefix"/>.
/// </summary>
public sealed class VerificationPlan
{
    /// <summary>Sort-key prefix of every canary item (a leftover of an interrupted run is recognized by it).</summary>
    public const string CanaryPrefix = "zz-verify#";

    /// <summary>Name of the check that the tenant role's trust policy admits only the gateway (IAM GetRole).</summary>
    public const string TenantRoleTrustCheck = "tenant role trust admits only the gateway";

    public const string DefaultOrganizationA = "zz-verify-a";
    public const string DefaultOrganizationB = "zz-verify-b";

    private VerificationPlan(IReadOnlyList<string> organizations, IReadOnlyDictionary<string, TenantTableOptions> tables, IReadOnlyList<VerificationSession> sessions)
    {
        Organizations = organizations;
        Tables = tables;
        Sessions = sessions;
    }

    /// <summary>The two canary organizations.</summary>
    public IReadOnlyList<string> Organizations { get; }

    /// <summary>The tenant tables (name → keys and indexes).</summary>
    public IReadOnlyDictionary<string, TenantTableOptions> Tables { get; }

    public IReadOnlyList<VerificationSession> Sessions { get; }

    /// <summary>The plan for <paramref name="options"/> (validated) and two distinct, valid canary organizations.</summary>
    public static VerificationPlan Create(TenantIsolationOptions options, string organizationA = DefaultOrganizationA, string organizationB = DefaultOrganizationB)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!OrganizationId.IsWellFormed(organizationA) || !OrganizationId.IsWellFormed(organizationB) || string.Equals(organizationA, organizationB, StringComparison.Ordinal))
        {
            throw new ArgumentException("Two distinct valid organization ids are required.", nameof(organizationB));
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

        return new VerificationPlan([organizationA, organizationB], options.Tables, sessions);
    }

    private static void AddTableProbes(List<VerificationProbe> probes, string set, string own, string other, string table, IList<string> indexes, bool write, bool partiQL)
    {
        void Add(ProbeOperation operation, ProbeExpectation expected, string[] targets, string? index = null, string? label = null)
        {
            var target = targets.Length == 2 ? $"{targets[0]}+{targets[1]}" : targets[0];
            var resource = index is null ? table : $"{table}/index/{index}";
            probes.Add(new VerificationProbe
            {
                Name = $"{set} {own}: {label ?? operation.ToString()} {resource} → {target}",
                Operation = operation,
                Table = table,
                Index = index,
                Targets = targets,
                Expected = expected,
            });
        }

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
}
