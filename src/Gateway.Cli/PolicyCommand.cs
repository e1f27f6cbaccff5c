using System.Globalization;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll policy --organization ORG (--permission-set SET | --role ROLE) [--shards N]</c>: prints the exact session
/// policy the gateway would send to STS for that organization with N shards (default 1: the organization's Organizations
/// item is not read) (stdout) and its size, the form of its LeadingKeys condition and the worst case (64-character id,
/// 64 shards) (stderr), using the same configuration
/// (appsettings.json [+ appsettings.{Environment}.json] + environment variables, from the current directory, which
/// <c>dotnet run --project src/Gateway</c> keeps: see RunWorkingDirectory in Gateway.csproj) and the same isolation
/// engine, loaded by <see cref="GatewayConfiguration"/> as the host loads it (<c>AddTenantIsolation</c> + the forwarding and
/// envelope sections, nothing started). stderr names the files read.
/// Bad input → exit code 2 and one line on stderr; an invalid configuration → exit code 2 and every error, one per line.
/// </summary>
internal static class PolicyCommand
{
    public const int Usage = CliArguments.Usage;
    private const string UsageText = "usage: Gateway policy --organization ORG (--permission-set SET | --role ROLE) [--shards N]";

    public static int Run(string[] args, VerbHost host, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (CliArguments.TryRead("policy", args, UsageText, ["--organization", "--permission-set", "--role", "--shards"], stdout, stderr, out var values) is { } exit)
        {
            return exit;
        }

        var organization = values.GetValueOrDefault("--organization");
        var permissionSetName = values.GetValueOrDefault("--permission-set");
        var role = values.GetValueOrDefault("--role");
        var shardsText = values.GetValueOrDefault("--shards");

        if (organization is null || (permissionSetName is null) == (role is null))
        {
            return CliArguments.Fail(stderr, $"policy: --organization and exactly one of --permission-set / --role are required. {UsageText}");
        }

        if (!OrganizationId.TryParse(organization, out var organizationId))
        {
            return CliArguments.Fail(stderr, $"policy: '{CliArguments.Truncate(organization)}' is not a valid organization id ({CliArguments.OrganizationIdRule}).");
        }

        var shards = ShardCount.One;
        if (shardsText is not null && !ShardCount.TryParse(shardsText, out shards))
        {
            return CliArguments.Fail(stderr, $"policy: --shards '{CliArguments.Truncate(shardsText)}' is not a power of two from 1 to {ShardCount.Max}.");
        }

        var configuration = LoadConfiguration(host.ContentRoot);
        using var services = BuildServices(configuration, host);
        TenantIsolationOptions options;
        PermissionSetCatalog catalog;
        try
        {
            // Every section the gateway validates at start-up for this configuration (routes aside), all errors at once.
            var failures = GatewayConfiguration.ValidateAll(services);
            if (failures.Count > 0)
            {
                throw new OptionsValidationException(TenantIsolationOptions.SectionName, typeof(TenantIsolationOptions), failures);
            }

            options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
            catalog = services.GetRequiredService<PermissionSetCatalog>();
        }
        catch (OptionsValidationException ex)
        {
            var failures = ex.Failures.ToList();
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"policy: configuration is invalid ({failures.Count} error(s); read {configuration.DescribeSources()}):"));
            foreach (var failure in failures)
            {
                stderr.WriteLine($"  - {failure.ReplaceLineEndings(" ")}");
            }

            return Usage;
        }
        catch (InvalidOperationException ex)
        {
            return CliArguments.Fail(stderr, $"policy: configuration cannot be read ({configuration.DescribeSources()}): {ex.Message}");
        }

        PermissionSet? permissionSet;
        if (role is not null)
        {
            if (!catalog.TryGetForRole(role, out permissionSet))
            {
                return CliArguments.Fail(stderr, $"policy: role '{CliArguments.Truncate(role)}' is not mapped under TenantIsolation:Roles (known: {string.Join(", ", options.Roles.Keys)}).");
            }
        }
        else if (!catalog.TryGetByName(permissionSetName!, out permissionSet))
        {
            return CliArguments.Fail(stderr, $"policy: permission set '{CliArguments.Truncate(permissionSetName!)}' is not defined under TenantIsolation:PermissionSets (known: {string.Join(", ", options.PermissionSets.Keys)}).");
        }

        var builder = new SessionPolicyBuilder(catalog.Scope);
        try
        {
            if (options.Mode == IsolationMode.Abac)
            {
                var abac = builder.BuildAbac(organizationId, permissionSet);
                stdout.WriteLine(abac.RolePolicy.ToJson());
                stderr.WriteLine($"configuration: {configuration.DescribeSources()}");
                stderr.WriteLine($"mode: Abac; session tags: {string.Join(", ", abac.SessionTags.Select(t => $"{t.Key}={t.Value}"))}");
                return 0;
            }

            var policy = builder.Build(organizationId, permissionSet, shards);
            stdout.WriteLine(policy.Json);
            stderr.WriteLine($"configuration: {configuration.DescribeSources()}");
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"size: {policy.Length} of {SessionPolicyBuilder.MaxPlaintextLength} characters (permission set '{permissionSet.Name}', worst case {builder.WorstCaseLength(permissionSet)})"));
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"shards: {shards.Value}; leading keys: {Describe(policy.Keys, organizationId, shards)}"));
            return 0;
        }
        catch (SessionPolicyTooLargeException ex)
        {
            return CliArguments.Fail(stderr, $"policy: {ex.Message}");
        }
    }

    private static string Describe(LeadingKeysForm form, OrganizationId organization, ShardCount shards) => form switch
    {
        LeadingKeysForm.ExactList => string.Create(CultureInfo.InvariantCulture, $"exact list of {shards.Value + 1} ({organization}, {organization}#0 ... {organization}#{shards.Value - 1})"),
        LeadingKeysForm.ShardPattern => $"pattern ({organization}, {organization}#*: the exact list exceeds {SessionPolicyBuilder.MaxPlaintextLength} characters)",
        _ => $"exact ({organization})",
    };

    /// <summary>The gateway's configuration as the host loads it (<see cref="GatewayConfiguration"/>), from <paramref name="contentRoot"/>, without the verb's arguments.</summary>
    internal static GatewayConfiguration LoadConfiguration(string contentRoot)
        => GatewayConfiguration.Load(environmentName: null, contentRoot);

    /// <summary>The isolation engine, verification and the host's own sections (forwarding, envelopes: <see cref="VerbHost.AddHostSettings"/>) over <paramref name="configuration"/>; nothing started, no logging.</summary>
    internal static ServiceProvider BuildServices(GatewayConfiguration configuration, VerbHost host)
        => configuration.BuildServices(services => host.AddHostSettings(services.AddTenantVerification(), configuration.Configuration));
}
