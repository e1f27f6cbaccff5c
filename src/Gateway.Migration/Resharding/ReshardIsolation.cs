using System.Globalization;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Migration.Invocation;
using Gateway.Migration.Offboarding;
using Gateway.Migration.Validation;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Verification;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Migration.Resharding;

/// <summary>
/// A reshard's isolation step, through real sessions: for every permission set that reads a table being resharded, the
/// gateway's own credential issuer (its identity, role, AssumeRole request) mints a session for X with the session policy
/// of the <em>new</em> shard count — the credentials the gateway hands out once X has N shards — and through it each of
/// X's new keys must be readable (GetItem) and each look-alike (<see cref="VerificationPlan.LookAlikes"/>: <c>X#N</c> and
/// <c>X#</c> where the policy lists the keys exactly, <c>X-2</c>, <c>X.x</c>, <c>Xx</c>, another organization) refused
/// with AccessDenied: <c>verify</c>'s probes, judged as <c>verify</c> judges them (no session, a transport error or any
/// other error code fails). Nothing is written. <see cref="ReshardCommand"/> runs it before X is MIGRATING and again
/// after the copy, before the flip.
/// </summary>
internal static class ReshardIsolation
{
    /// <summary>The session's user when <c>TenantIsolation:CredentialScope</c> is <c>User</c>.</summary>
    public const string ProbeUser = "zz-reshard";

    /// <summary>One run: every check, the permission sets probed, the keys read and the look-alikes refused.</summary>
    internal sealed record Result(IReadOnlyList<VerificationCheck> Checks, IReadOnlyList<string> PermissionSets, IReadOnlyList<string> Keys, IReadOnlyList<string> LookAlikes, IReadOnlyList<VerificationEndpoint> Endpoints)
    {
        public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed);

        /// <summary>The first failed check, with where it was sent (STS for the session, DynamoDB for a probe).</summary>
        public string Failure()
        {
            var check = Checks.FirstOrDefault(c => !c.Passed);
            if (check is null)
            {
                return "no check ran";
            }

            var service = check.Name.EndsWith("AssumeRole with the session policy", StringComparison.Ordinal) ? "STS" : "DynamoDB";
            var endpoint = Endpoints.FirstOrDefault(e => e.Service == service);
            var where = check.Observed.Contains(" calling ", StringComparison.Ordinal) || endpoint is null ? string.Empty : $" from {endpoint}";
            return $"{check.Name}: expected {check.Expected}, observed {check.Observed}{where}";
        }

        public string Summary(string organization, int shards)
        {
            var c = CultureInfo.InvariantCulture;
            return string.Create(c, $"isolation probed through the gateway's sessions for {organization} with {shards} shard{(shards == 1 ? string.Empty : "s")} ({string.Join(", ", PermissionSets)}): {Keys.Count} key{(Keys.Count == 1 ? string.Empty : "s")} readable, look-alikes refused ({string.Join(", ", LookAlikes)}); {Checks.Count} checks passed");
        }
    }

    /// <summary>
    /// The permission sets that read one of <paramref name="tables"/>, ordinal; none is bad input (the gateway could not
    /// serve the tables), raised before anything is written.
    /// </summary>
    public static IReadOnlyList<PermissionSet> Readers(IServiceProvider services, IReadOnlyCollection<string> tables)
    {
        var catalog = services.GetRequiredService<PermissionSetCatalog>();
        var readers = catalog.Sets.Values.Where(s => s.Tables.Any(t => t.Read && tables.Contains(t.TableName))).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        return readers.Count > 0
            ? readers
            : throw new UsageException($"reshard: no permission set reads {string.Join(", ", tables)} (TenantIsolation:PermissionSets): the isolation of the new keys cannot be probed");
    }

    public static async Task<Result> CheckAsync(IServiceProvider services, IReadOnlyList<DataSource> sources, string organization, int shards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(sources);
        var options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
        var catalog = services.GetRequiredService<PermissionSetCatalog>();
        var runner = services.GetRequiredService<VerificationRunner>();
        var tables = sources.Select(s => s.Table).ToHashSet(StringComparer.Ordinal);
        var count = ShardCount.Create(shards);
        var id = OrganizationId.Parse(organization);
        var keys = Gateway.Backend.DynamoDb.TenantShards.PartitionKeys(organization, shards);
        var other = organization == VerificationPlan.DefaultOrganizationA ? VerificationPlan.DefaultOrganizationB : VerificationPlan.DefaultOrganizationA;
        var builder = new SessionPolicyBuilder(catalog.Scope);
        var checks = new List<VerificationCheck>();
        var sets = Readers(services, tables);
        var lookAlikes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            // Where the policy lists the keys exactly, X#N and X# are refused too; ABAC's {org}#* (and the long-id fallback) admits them.
            var exact = options.Mode != IsolationMode.Abac && builder.Build(id, set, count).Keys != LeadingKeysForm.ShardPattern;
            var session = await runner.AssumeAsync(organization, set.Name, ProbeUser, count, cancellationToken).ConfigureAwait(false);
            checks.Add(session.Check);
            if (session.Client is null)
            {
                continue;
            }

            using var client = session.Client;
            foreach (var table in set.Tables.Where(t => t.Read && tables.Contains(t.TableName)).Select(t => t.TableName).Order(StringComparer.Ordinal))
            {
                var tableOptions = options.Tables[table];
                async Task ProbeAsync(string key, ProbeExpectation expected)
                {
                    var probe = new VerificationProbe
                    {
                        Name = string.Create(CultureInfo.InvariantCulture, $"{set.Name} {organization} ({shards} shard{(shards == 1 ? string.Empty : "s")}): GetItem {table} → {key}"),
                        Operation = ProbeOperation.GetItem,
                        Table = table,
                        Targets = [key],
                        Expected = expected,
                    };
                    checks.Add(await VerificationRunner.ProbeAsync(client, tableOptions, probe, IsolationChecker.ProbeSortKey, cancellationToken).ConfigureAwait(false));
                }

                foreach (var key in keys)
                {
                    await ProbeAsync(key, ProbeExpectation.Allowed).ConfigureAwait(false);
                }

                foreach (var key in VerificationPlan.LookAlikes(organization, count, other, exact))
                {
                    lookAlikes.Add(key);
                    await ProbeAsync(key, ProbeExpectation.Denied).ConfigureAwait(false);
                }
            }
        }

        return new Result(checks, sets.Select(s => s.Name).ToList(), keys, [.. lookAlikes], VerificationEndpoints.For(options.Aws));
    }
}
