using System.Globalization;
using Gateway.Configuration;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Microsoft.Extensions.Options;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll policy --organization ORG (--permission-set SET | --role ROLE)</c>: prints the exact session policy
/// the gateway would send to STS for that organization (stdout) and its size (stderr), using the same configuration
/// (appsettings.json [+ appsettings.{Environment}.json] + environment variables, from the current directory, which
/// <c>dotnet run --project src/Gateway</c> keeps: see RunWorkingDirectory in Gateway.csproj) and the same isolation
/// engine, on a plain host (<see cref="Host.CreateApplicationBuilder(HostApplicationBuilderSettings)"/> +
/// <c>AddTenantIsolation</c>, nothing started). stderr names the files read.
/// Bad input → exit code 2 and one line on stderr; an invalid configuration → exit code 2 and every error, one per line.
/// </summary>
internal static class PolicyCommand
{
    public const int Usage = CliArguments.Usage;
    private const string UsageText = "usage: Gateway policy --organization ORG (--permission-set SET | --role ROLE)";

    public static int Run(string[] args, string contentRoot, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (CliArguments.TryRead("policy", args, UsageText, ["--organization", "--permission-set", "--role"], stdout, stderr, out var values) is { } exit)
        {
            return exit;
        }

        var organization = values.GetValueOrDefault("--organization");
        var permissionSetName = values.GetValueOrDefault("--permission-set");
        var role = values.GetValueOrDefault("--role");

        if (organization is null || (permissionSetName is null) == (role is null))
        {
            return CliArguments.Fail(stderr, $"policy: --organization and exactly one of --permission-set / --role are required. {UsageText}");
        }

        if (!OrganizationId.TryParse(organization, out var organizationId))
        {
            return CliArguments.Fail(stderr, $"policy: '{CliArguments.Truncate(organization)}' is not a valid organization id ({CliArguments.OrganizationIdRule}).");
        }

        using var host = BuildHost(contentRoot);
        TenantIsolationOptions options;
        PermissionSetCatalog catalog;
        try
        {
            // Every section the gateway validates at start-up for this configuration (routes aside), all errors at once.
            var failures = new List<string>();
            Collect<TenantIsolationOptions>(host.Services, failures);
            Collect<ForwardingOptions>(host.Services, failures);
            Collect<EnvelopeOptions>(host.Services, failures);
            if (failures.Count > 0)
            {
                throw new OptionsValidationException(TenantIsolationOptions.SectionName, typeof(TenantIsolationOptions), failures);
            }

            options = host.Services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
            catalog = host.Services.GetRequiredService<PermissionSetCatalog>();
        }
        catch (OptionsValidationException ex)
        {
            var failures = ex.Failures.ToList();
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"policy: configuration is invalid ({failures.Count} error(s); read {DescribeSources(contentRoot)}):"));
            foreach (var failure in failures)
            {
                stderr.WriteLine($"  - {failure.ReplaceLineEndings(" ")}");
            }

            return Usage;
        }
        catch (InvalidOperationException ex)
        {
            return CliArguments.Fail(stderr, $"policy: configuration cannot be read ({DescribeSources(contentRoot)}): {ex.Message}");
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
                stderr.WriteLine($"configuration: {DescribeSources(contentRoot)}");
                stderr.WriteLine($"mode: Abac; session tags: {string.Join(", ", abac.SessionTags.Select(t => $"{t.Key}={t.Value}"))}");
                return 0;
            }

            var policy = builder.Build(organizationId, permissionSet);
            stdout.WriteLine(policy.Json);
            stderr.WriteLine($"configuration: {DescribeSources(contentRoot)}");
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"size: {policy.Length} of {SessionPolicyBuilder.MaxPlaintextLength} characters (permission set '{permissionSet.Name}', worst case {builder.WorstCaseLength(permissionSet)})"));
            return 0;
        }
        catch (SessionPolicyTooLargeException ex)
        {
            return CliArguments.Fail(stderr, $"policy: {ex.Message}");
        }
    }

    /// <summary>A plain host over <paramref name="contentRoot"/> (its appsettings + environment variables) with the isolation engine; never started.</summary>
    internal static IHost BuildHost(string contentRoot)
    {
        var settings = new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = Path.GetFullPath(contentRoot),
            EnvironmentName = EnvironmentName(),
        };
        settings.Configuration = new ConfigurationManager();
        settings.Configuration["hostBuilder:reloadConfigOnChange"] = "false";
        var builder = Host.CreateApplicationBuilder(settings);
        builder.Logging.ClearProviders(); // stdout is the policy, stderr its description: nothing else
        builder.Services.AddTenantIsolation(builder.Configuration);
        builder.Services.AddGatewayForwardingOptions(builder.Configuration, checkPublishedKeys: false);
        return builder.Build();
    }

    internal static void Collect<T>(IServiceProvider services, List<string> failures)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
    }

    /// <summary>"appsettings.json + appsettings.Local.json in /repo + environment variables", naming only files that exist.</summary>
    internal static string DescribeSources(string contentRoot)
    {
        var directory = Path.GetFullPath(contentRoot);
        var files = new[] { "appsettings.json", $"appsettings.{EnvironmentName()}.json" }
            .Where(file => File.Exists(Path.Combine(directory, file)))
            .ToList();
        return files.Count == 0
            ? $"no appsettings.json in {directory}; environment variables only"
            : $"{string.Join(" + ", files)} in {directory} + environment variables";
    }

    private static string EnvironmentName()
        => Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? "Production";


}
