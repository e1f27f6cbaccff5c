using Gateway.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Configuration;

/// <summary><c>Cache:EnvelopesPerCredential</c> moved to <c>Forwarding</c>: the old key still works, with a warning; the new one wins.</summary>
public sealed class ForwardingOptionsSetupTests : IDisposable
{
    private readonly CapturingLoggerProvider _logs = new();

    public void Dispose() => _logs.Dispose();

    private ForwardingOptions Configure(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new ForwardingOptions();
        new ForwardingOptionsSetup(configuration, _logs.CreateLogger<ForwardingOptionsSetup>()).Configure(options);
        return options;
    }

    private List<string> Warnings => _logs.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();

    [Fact]
    public void Configure_NewKey_UsedWithoutWarning()
    {
        var options = Configure(new() { ["TenantIsolation:Forwarding:EnvelopesPerCredential"] = "7" });

        Assert.Equal(7, options.EnvelopesPerCredential);
        Assert.Empty(Warnings);
    }

    [Fact]
    public void Configure_OnlyOldKey_UsedWithDeprecationWarning()
    {
        var options = Configure(new() { ["TenantIsolation:Cache:EnvelopesPerCredential"] = "5" });

        Assert.Equal(5, options.EnvelopesPerCredential);
        var warning = Assert.Single(Warnings);
        Assert.Contains("TenantIsolation:Cache:EnvelopesPerCredential is deprecated; use TenantIsolation:Forwarding:EnvelopesPerCredential", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_BothKeys_NewKeyWins()
    {
        var options = Configure(new()
        {
            ["TenantIsolation:Cache:EnvelopesPerCredential"] = "5",
            ["TenantIsolation:Forwarding:EnvelopesPerCredential"] = "9",
        });

        Assert.Equal(9, options.EnvelopesPerCredential);
        Assert.Contains("ignored", Assert.Single(Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_NeitherKey_Default1024()
    {
        Assert.Equal(1024, Configure([]).EnvelopesPerCredential);
        Assert.Empty(Warnings);
    }
}
