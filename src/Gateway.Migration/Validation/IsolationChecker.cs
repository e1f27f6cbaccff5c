using Amazon.Runtime;
using Gateway.Isolation;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Migration.Invocation;
using Gateway.Migration.Items;
using Gateway.Migration.Planning;
using Gateway.Policies.SessionPolicies;
using Gateway.Verification;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Migration.Validation;

/// <summary>
/// The per-organization isolation check, with the gateway's own configuration, identity and credential issuer (the
/// AssumeRole request and session policy the gateway sends): for each organization a session of the least-privileged
/// permission set that reads the target table must see exactly the organization's migrated items (count and content
/// hash), and its GetItem and Query on a neighbour organization's partition must be AccessDenied (the <c>verify</c>
/// probes, judged as <c>verify</c> judges them).
/// </summary>
internal sealed class IsolationChecker : IDisposable
{
    /// <summary>Sort key of the neighbour GetItem probe (no such item needs to exist: the call must be refused).</summary>
    public const string ProbeSortKey = "zz-migration-probe";
    private const string ProbeUser = "zz-migration";

    private readonly ServiceProvider _services;
    private readonly VerificationRunner _runner;
    private readonly TenantIsolationOptions _options;
    private readonly PermissionSet _set;
    private readonly TenantTableOptions _table;

    private IsolationChecker(ServiceProvider services, MigrationPlan plan)
    {
        _services = services;
        _options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
        var catalog = services.GetRequiredService<PermissionSetCatalog>();
        _set = catalog.Sets.Values
            .Where(s => s.Tables.Any(t => t.TableName == plan.TargetTable && t.Read))
            .OrderBy(s => s.Tables.Count(t => t.Write))
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .FirstOrDefault()
            ?? throw new UsageException($"gateway configuration: no permission set grants the target table '{plan.TargetTable}' (TenantIsolation:PermissionSets)");
        _table = _options.Tables.TryGetValue(plan.TargetTable, out var table)
            ? table
            : new TenantTableOptions { PartitionKey = plan.TargetKey.PartitionKey, SortKey = plan.TargetKey.SortKey };
        _runner = services.GetRequiredService<VerificationRunner>();
    }

    public string PermissionSetName => _set.Name;

    /// <summary>The gateway's validated <c>TenantIsolation</c> options (table names, status attributes, TTLs).</summary>
    public TenantIsolationOptions Options => _options;

    /// <summary>
    /// Loads the gateway's configuration from <c>--gateway-config DIR</c> (default: the current directory) as the gateway
    /// does (<see cref="GatewayConfiguration"/>: <c>appsettings.json</c>, <c>appsettings.{Environment}.json</c>, then
    /// environment variables) and validates it, every error at once. With <c>--endpoint</c>, the gateway's STS and
    /// DynamoDB clients use it too (LocalAws is one endpoint).
    /// </summary>
    public static IsolationChecker Create(CommandLine line, MigrationPlan plan)
    {
        var provider = LoadGatewayServices(line);
        try
        {
            return new IsolationChecker(provider, plan);
        }
        catch (Exception e) when (e is GatewayStartupException)
        {
            provider.Dispose();
            throw new UsageException($"gateway configuration: {e.Message}", e);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The gateway's configuration from <c>--gateway-config DIR</c>, loaded and validated as <see cref="Create"/> does
    /// (every error at once, as one bad-input line); the caller disposes it. <c>export</c> and <c>erase</c> read the
    /// tenant tables and the membership settings from it.
    /// </summary>
    public static ServiceProvider LoadGatewayServices(CommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var directory = Path.GetFullPath(line.Get("--gateway-config") ?? Directory.GetCurrentDirectory());
        if (!Directory.Exists(directory))
        {
            throw new UsageException($"{line.Verb}: --gateway-config '{CommandLine.Truncate(directory)}' is not a directory");
        }

        // --endpoint overrides the gateway's STS and DynamoDB endpoints as the last (winning) source.
        string[] overrides = AwsTarget.Endpoint(line) is { } endpoint
            ? [$"--TenantIsolation:Aws:StsServiceUrl={endpoint}", $"--TenantIsolation:Aws:DynamoDbServiceUrl={endpoint}"]
            : [];
        var configuration = GatewayConfiguration.Load(environmentName: null, directory, overrides);
        var provider = configuration.BuildServices(services => services.AddTenantVerification());
        try
        {
            var failures = GatewayConfiguration.ValidateAll(provider);
            if (failures.Count > 0)
            {
                throw new UsageException($"gateway configuration is invalid (--gateway-config): {string.Join(" | ", failures)}");
            }

            return provider;
        }
        catch (Exception e) when (e is GatewayStartupException)
        {
            provider.Dispose();
            throw new UsageException($"gateway configuration: {e.Message}", e);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>Checks <paramref name="organization"/> against its expected migrated items and a <paramref name="neighbour"/>.</summary>
    public async Task<IsolationResult> CheckAsync(MigrationPlan plan, string organization, string neighbour, OrganizationDigest expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(expected);
        var checks = new List<VerificationCheck>();
        var session = await _runner.AssumeAsync(organization, _set.Name, ProbeUser, cancellationToken).ConfigureAwait(false);
        if (session.Client is null)
        {
            checks.Add(session.Check);
            return new IsolationResult(_set.Name, null, checks);
        }

        using var client = session.Client;
        var seen = new OrganizationDigest();
        string observed;
        try
        {
            await foreach (var item in Snapshots.QueryAsync(client, plan.TargetTable, plan.TargetKey.PartitionKey, organization, cancellationToken).ConfigureAwait(false))
            {
                seen.Add(ItemCodec.KeyString(item, plan.TargetKey.Names), item);
            }

            observed = $"{seen.Count} items, hash {seen.Hash}";
        }
        catch (AmazonServiceException e)
        {
            observed = e.ErrorCode ?? e.GetType().Name;
        }

        checks.Add(new VerificationCheck($"{_set.Name} {organization}: Query {plan.TargetTable} → {organization}", $"{expected.Count} items, hash {expected.Hash}", observed, seen.SameAs(expected) && observed.StartsWith(seen.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
        foreach (var operation in new[] { ProbeOperation.GetItem, ProbeOperation.Query })
        {
            var probe = new VerificationProbe
            {
                Name = $"{_set.Name} {organization}: {operation} {plan.TargetTable} → {neighbour}",
                Operation = operation,
                Table = plan.TargetTable,
                Targets = [neighbour],
                Expected = ProbeExpectation.Denied,
            };
            checks.Add(await VerificationRunner.ProbeAsync(client, _table, probe, ProbeSortKey, cancellationToken).ConfigureAwait(false));
        }

        return new IsolationResult(_set.Name, session.SessionName, checks);
    }

    public void Dispose() => _services.Dispose();
}
