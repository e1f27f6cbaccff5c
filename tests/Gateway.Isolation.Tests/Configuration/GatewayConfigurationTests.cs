using Gateway.Isolation.Configuration;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Isolation.Tests.Configuration;

/// <summary>The one configuration loader: the host's files in the host's order, every error at once.</summary>
public sealed class GatewayConfigurationTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gateway-configuration-");

    public void Dispose() => _directory.Delete(recursive: true);

    private void Write(string file, string json) => File.WriteAllText(Path.Combine(_directory.FullName, file), json);

    [Fact]
    public void Load_FilesThenEnvironmentVariablesThenArguments_LaterWins()
    {
        var variable = $"Loader{Guid.NewGuid():N}";
        Write("appsettings.json", $$"""{ "{{variable}}": { "A": "json", "B": "json", "C": "json", "D": "json", "E": "json" } }""");
        Write("appsettings.Staging.json", $$"""{ "{{variable}}": { "B": "staging", "C": "staging", "D": "staging", "E": "staging" } }""");
        Write("Gateway.settings.json", $$"""{ "{{variable}}": { "C": "gateway", "D": "gateway", "E": "gateway" } }""");
        Write("appsettings.Production.json", $$"""{ "{{variable}}": { "B": "production" } }""");
        Environment.SetEnvironmentVariable($"{variable}__D", "environment");
        Environment.SetEnvironmentVariable($"{variable}__E", "environment");
        try
        {
            var loaded = GatewayConfiguration.Load(environmentName: null, _directory.FullName, [$"--{variable}:E=args", "--environment", "Staging"]);

            Assert.Equal("Staging", loaded.EnvironmentName);
            var section = loaded.Configuration.GetSection(variable);
            Assert.Equal(["json", "staging", "gateway", "environment", "args"], new[] { "A", "B", "C", "D", "E" }.Select(key => section[key]));
        }
        finally
        {
            Environment.SetEnvironmentVariable($"{variable}__D", null);
            Environment.SetEnvironmentVariable($"{variable}__E", null);
        }
    }

    [Fact]
    public void Load_GivenEnvironment_ReadsThatEnvironmentsFile()
    {
        Write("appsettings.json", """{ "Loader": { "Value": "json" } }""");
        Write("appsettings.Local.json", """{ "Loader": { "Value": "local" } }""");

        var loaded = GatewayConfiguration.Load("Local", _directory.FullName);

        Assert.Equal("local", loaded.Configuration["Loader:Value"]);
        Assert.Equal($"appsettings.json + appsettings.Local.json in {_directory.FullName} + environment variables", loaded.DescribeSources());
    }

    [Fact]
    public void DescribeSources_NoFiles_SaysEnvironmentVariablesOnly()
        => Assert.Equal($"no appsettings.json in {_directory.FullName}; environment variables only", GatewayConfiguration.Load("Local", _directory.FullName).DescribeSources());

    [Fact]
    public void ResolveEnvironmentName_NoneGiven_Production()
        => Assert.Equal(
            Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production",
            GatewayConfiguration.ResolveEnvironmentName([]));

    [Fact]
    public void ValidateAll_ManyProblems_ReportsEveryErrorAtOnce()
    {
        Write("appsettings.json", """
            {
              "TenantIsolation": {
                "RoleArn": "",
                "CredentialLifetime": "00:05:00",
                "Roles": { "BILLING": "no-such-set" },
                "Membership": { "PositiveTtl": "00:05:00" }
              }
            }
            """);

        var failures = GatewayConfiguration.Load("Test", _directory.FullName).ValidateAll();

        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:RoleArn is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:CredentialLifetime", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Roles:BILLING", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Membership:PositiveTtl", StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateAll_ShippedLocalConfiguration_NoFailures()
        => Assert.Empty(GatewayConfiguration.Load("Local", RepoPaths.Root).ValidateAll());

    [Fact]
    public void ValidateAll_UnreadableValue_NamesTheKey()
    {
        Write("appsettings.json", """{ "TenantIsolation": { "CredentialLifetime": "abc" } }""");

        var failure = Assert.Single(GatewayConfiguration.Load("Test", _directory.FullName).ValidateAll());

        Assert.Contains("TenantIsolation:CredentialLifetime", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateAll_SectionRegisteredTwice_ItsErrorsListedOnce()
    {
        Write("appsettings.json", """{ "TenantIsolation": { "RoleArn": "" } }""");
        var loaded = GatewayConfiguration.Load("Test", _directory.FullName);
        using var services = loaded.BuildServices(s => s.AddTenantIsolation(loaded.Configuration).AddGatewayConfigurationCheck<TenantIsolationOptions>());

        var failures = GatewayConfiguration.ValidateAll(services);

        Assert.Single(failures, f => f.StartsWith("TenantIsolation:RoleArn is required", StringComparison.Ordinal));
    }
}
