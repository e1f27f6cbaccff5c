using System.Reflection;
using Gateway.Isolation.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Configuration.UserSecrets;

namespace Gateway.Tests.Hosting;

/// <summary>
/// <see cref="GatewayConfiguration"/> loads what the ASP.NET Core web host would: the same sources in the same order,
/// hence the same values, so the verbs and Gateway.Migration see the gateway's configuration.
/// </summary>
public sealed class GatewayConfigurationHostTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gateway-configuration-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void AddSources_SameSourcesInTheSameOrderAsTheDefaultWebHost()
    {
        string[] args = ["--Parity:FromArgs=args", "--environment", "Staging"];
        var host = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = _directory.FullName });
        var loader = new ConfigurationBuilder();
        GatewayConfiguration.AddSources(loader, host.Environment.EnvironmentName, _directory.FullName, args, reloadOnChange: true);

        Assert.Equal(Describe(((IConfigurationBuilder)host.Configuration).Sources), Describe(loader.Sources));
        Assert.Contains("json Gateway.settings.Staging.json optional=True reload=True", Describe(loader.Sources));
    }

    [Fact]
    public void Load_SameValuesAsTheDefaultWebHost_LaterSourceWins()
    {
        File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), """{ "Parity": { "A": "json", "B": "json", "C": "json" } }""");
        File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.Staging.json"), """{ "Parity": { "B": "staging", "C": "staging" } }""");
        string[] args = ["--Parity:C=args", "--environment", "Staging"];
        var host = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = _directory.FullName });

        var loaded = GatewayConfiguration.Load(environmentName: null, _directory.FullName, args);

        Assert.Equal("Staging", loaded.EnvironmentName);
        Assert.Equal(host.Environment.EnvironmentName, loaded.EnvironmentName);
        Assert.Equal(("json", "staging", "args"), (loaded.Configuration["Parity:A"], loaded.Configuration["Parity:B"], loaded.Configuration["Parity:C"]));
        Assert.Equal(
            host.Configuration.GetSection("Parity").AsEnumerable().OrderBy(kv => kv.Key, StringComparer.Ordinal),
            loaded.Configuration.GetSection("Parity").AsEnumerable().OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void GatewayAssembly_DeclaresNoUserSecretsId_SoTheHostAddsNoUserSecretsSource()
        => Assert.Null(typeof(Program).Assembly.GetCustomAttribute<UserSecretsIdAttribute>());

    /// <summary>
    /// The sources that carry configuration, by kind and file, in order. Left out: empty in-memory sources and the web
    /// host's own chained settings (hosting startup, which the gateway host keeps after the loader's sources). The
    /// host's application name (the test host here, Gateway in production) names its optional settings files.
    /// </summary>
    private static List<string> Describe(IEnumerable<IConfigurationSource> sources)
        => sources
            .Where(source => source is not ChainedConfigurationSource && !(source is MemoryConfigurationSource memory && !(memory.InitialData?.Any() ?? false)))
            .Select(source => source switch
            {
                EnvironmentVariablesConfigurationSource environment => $"environment variables '{environment.Prefix}'",
                CommandLineConfigurationSource => "arguments",
                JsonConfigurationSource json => $"json {Path.GetFileName(json.Path)?.Replace(ApplicationName(), GatewayConfiguration.ApplicationName, StringComparison.Ordinal)} optional={json.Optional} reload={json.ReloadOnChange}",
                MemoryConfigurationSource => "host settings",
                _ => source.GetType().Name,
            }).ToList();

    private static string ApplicationName() => Assembly.GetEntryAssembly()!.GetName().Name!;
}
