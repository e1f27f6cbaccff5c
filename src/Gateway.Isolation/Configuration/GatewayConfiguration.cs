using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Isolation.Configuration;

/// <summary>
/// The gateway's configuration, loaded one way for every program that reads it: the web host, the operator verbs
/// (<c>policy</c>, <c>verify</c>, <c>report</c>, <c>evict</c>) and <c>Gateway.Migration</c>. The sources are the ASP.NET
/// Core web host's, in its order (later wins): <c>ASPNETCORE_</c>- then <c>DOTNET_</c>-prefixed environment variables,
/// the arguments, the host settings, then <c>appsettings.json</c>, <c>appsettings.{Environment}.json</c>,
/// <c>Gateway.settings.json</c>, <c>Gateway.settings.{Environment}.json</c> (all optional, from <see cref="ContentRoot"/>),
/// every environment variable and the arguments again. No user secrets: the Gateway assembly declares no
/// <c>UserSecretsId</c>, so the host adds none either. The host itself replaces its default sources with
/// <see cref="AddSources"/>; a test pins that list to the default web host's.
/// <see cref="ValidateAll(IServiceProvider)"/> reports every error of every registered section at once.
/// </summary>
public sealed class GatewayConfiguration
{
    /// <summary>The environment when neither <c>ASPNETCORE_ENVIRONMENT</c>, <c>DOTNET_ENVIRONMENT</c> nor <c>--environment</c> names one.</summary>
    public const string DefaultEnvironmentName = "Production";

    /// <summary>The host's application name (its assembly), which names its optional <c>Gateway.settings.json</c> files.</summary>
    public const string ApplicationName = "Gateway";

    private const string EnvironmentKey = "environment";
    private const string ContentRootKey = "contentRoot";
    private const string ApplicationKey = "applicationName";

    private GatewayConfiguration(IConfigurationRoot configuration, string environmentName, string contentRoot)
    {
        Configuration = configuration;
        EnvironmentName = environmentName;
        ContentRoot = contentRoot;
    }

    /// <summary>Every key, from every source, in the host's order.</summary>
    public IConfigurationRoot Configuration { get; }

    /// <summary>The environment whose <c>appsettings.{Environment}.json</c> was read (<c>Local</c>, <c>Production</c>…).</summary>
    public string EnvironmentName { get; }

    /// <summary>The absolute directory the <c>appsettings*.json</c> files are read from.</summary>
    public string ContentRoot { get; }

    /// <summary>
    /// Loads the configuration the gateway host would see when started in <paramref name="contentRoot"/> with
    /// <paramref name="args"/>. <paramref name="environmentName"/> null: the host's rule (<c>--environment</c>, else
    /// <c>DOTNET_ENVIRONMENT</c>, else <c>ASPNETCORE_ENVIRONMENT</c>, else <see cref="DefaultEnvironmentName"/>).
    /// </summary>
    /// <param name="reloadOnChange">True for a long-running process that should see edits of the JSON files (the host);
    /// false for a one-shot command.</param>
    public static GatewayConfiguration Load(string? environmentName, string contentRoot, IReadOnlyList<string>? args = null, bool reloadOnChange = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRoot);
        args ??= [];
        var directory = Path.GetFullPath(contentRoot);
        var environment = environmentName ?? ResolveEnvironmentName(args);
        var builder = new ConfigurationBuilder();
        AddSources(builder, environment, directory, args, reloadOnChange);
        return new GatewayConfiguration(builder.Build(), environment, directory);
    }

    /// <summary>
    /// The host's rule for the environment name, from the host-level sources only: <c>ASPNETCORE_ENVIRONMENT</c>, then
    /// <c>DOTNET_ENVIRONMENT</c>, then <c>--environment</c> (later wins), default <see cref="DefaultEnvironmentName"/>.
    /// </summary>
    public static string ResolveEnvironmentName(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var host = new ConfigurationBuilder();
        AddHostSources(host, args);
        var name = host.Build()[EnvironmentKey];
        return string.IsNullOrWhiteSpace(name) ? DefaultEnvironmentName : name;
    }

    /// <summary>
    /// Adds the gateway's sources, in the host's order, to <paramref name="builder"/>: the one list both
    /// <see cref="Load"/> and the web host (which clears its defaults first) use.
    /// </summary>
    public static void AddSources(IConfigurationBuilder builder, string environmentName, string contentRoot, IReadOnlyList<string> args, bool reloadOnChange)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(environmentName);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentRoot);
        ArgumentNullException.ThrowIfNull(args);
        var directory = Path.GetFullPath(contentRoot);
        AddHostSources(builder, args);
        builder.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ApplicationKey] = ApplicationName,
            [EnvironmentKey] = environmentName,
            [ContentRootKey] = directory,
        });
        builder.AddJsonFile(Path.Combine(directory, "appsettings.json"), optional: true, reloadOnChange);
        builder.AddJsonFile(Path.Combine(directory, $"appsettings.{environmentName}.json"), optional: true, reloadOnChange);
        builder.AddJsonFile(Path.Combine(directory, $"{ApplicationName}.settings.json"), optional: true, reloadOnChange);
        builder.AddJsonFile(Path.Combine(directory, $"{ApplicationName}.settings.{environmentName}.json"), optional: true, reloadOnChange);
        builder.AddEnvironmentVariables();
        if (args.Count > 0)
        {
            builder.AddCommandLine([.. args]);
        }
    }

    private static void AddHostSources(IConfigurationBuilder builder, IReadOnlyList<string> args)
    {
        builder.AddEnvironmentVariables(prefix: "ASPNETCORE_");
        builder.AddEnvironmentVariables(prefix: "DOTNET_");
        if (args.Count > 0)
        {
            builder.AddCommandLine([.. args]);
        }
    }

    /// <summary>"appsettings.json + appsettings.Local.json in /repo + environment variables", naming only the files that exist.</summary>
    public string DescribeSources()
    {
        var files = new[] { "appsettings.json", $"appsettings.{EnvironmentName}.json" }
            .Where(file => File.Exists(Path.Combine(ContentRoot, file)))
            .ToList();
        return files.Count == 0
            ? $"no appsettings.json in {ContentRoot}; environment variables only"
            : $"{string.Join(" + ", files)} in {ContentRoot} + environment variables";
    }

    /// <summary>
    /// A service provider over this configuration with the isolation engine (<c>AddTenantIsolation</c>) and whatever
    /// <paramref name="configure"/> adds (the web host's sections, for the operator verbs); nothing is started.
    /// </summary>
    public ServiceProvider BuildServices(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(Configuration);
        services.AddTenantIsolation(Configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Every error of the isolation engine's configuration (<c>TenantIsolation</c>), all at once; empty when valid.</summary>
    public IReadOnlyList<string> ValidateAll()
    {
        using var services = BuildServices();
        return ValidateAll(services);
    }

    /// <summary>
    /// Runs every <see cref="GatewayConfigurationCheck"/> registered in <paramref name="services"/> (each section's
    /// options validation, a binding error such as "abc" for a duration, YARP's routes in the host) and returns every
    /// error at once, in registration order; empty when valid.
    /// </summary>
    public static IReadOnlyList<string> ValidateAll(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var failures = new List<string>();
        foreach (var check in services.GetServices<GatewayConfigurationCheck>())
        {
            check.Collect(services, failures);
        }

        return failures;
    }
}
