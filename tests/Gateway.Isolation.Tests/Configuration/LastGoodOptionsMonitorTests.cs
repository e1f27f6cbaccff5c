using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Tests.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Isolation.Tests.Configuration;

/// <summary>
/// Reloads of <c>TenantIsolation</c> through the registrations of <c>AddTenantIsolation</c> and a real configuration
/// root: a valid edit is taken (the catalog follows), an invalid one is refused with one error line naming the key and
/// the last valid settings stay in force.
/// </summary>
public sealed class LastGoodOptionsMonitorTests : IDisposable
{
    private readonly IConfigurationRoot _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["TenantIsolation:RoleArn"] = "arn:aws:iam::000000000000:role/TenantDataAccess",
        ["TenantIsolation:Tables:Applications:PartitionKey"] = "organizationId",
        ["TenantIsolation:PermissionSets:read-write:Tables:Applications"] = "ReadWrite",
        ["TenantIsolation:PermissionSets:read-only:Tables:Applications"] = "Read",
        ["TenantIsolation:Roles:ADMINISTRATOR"] = "read-write",
        ["TenantIsolation:Roles:VIEWER"] = "read-only",
    }).Build();

    private readonly FakeLogCollector _logs = new();
    private readonly ServiceProvider _services;

    public LastGoodOptionsMonitorTests()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(_logs)));
        services.AddTenantIsolation(_configuration);
        _services = services.BuildServiceProvider();
    }

    private IOptionsMonitor<TenantIsolationOptions> Monitor => _services.GetRequiredService<IOptionsMonitor<TenantIsolationOptions>>();

    private PermissionSetCatalog Catalog => _services.GetRequiredService<PermissionSetCatalog>();

    public void Dispose() => _services.Dispose();

    private void Edit(string key, string value)
    {
        _configuration[key] = value;
        _configuration.Reload(); // what a file change does: the configuration's change token fires
    }

    [Fact]
    public async Task Reload_TwoOverlapping_ListenersToldInTheOrderTheReloadsWereTaken()
    {
        // The first reload's listener is slow; a second reload starts meanwhile. Listeners must end on the newest
        // settings (else the catalog keeps the older, possibly broader sets while CurrentValue holds the newer ones).
        var monitor = (LastGoodOptionsMonitor<TenantIsolationOptions>)Monitor;
        _ = monitor.CurrentValue;
        var seen = new List<string>();
        using var secondToldEarly = new SemaphoreSlim(0);
        var first = true;
        using var subscription = monitor.OnChange((options, _) =>
        {
            var role = options.Roles["VIEWER"];
            if (first)
            {
                first = false;
                // Give the second reload its chance to overtake (it cannot when listeners are told under the lock).
                secondToldEarly.Wait(TimeSpan.FromMilliseconds(500));
            }
            else
            {
                secondToldEarly.Release();
            }

            lock (seen)
            {
                seen.Add(role);
            }
        });

        _configuration["TenantIsolation:Roles:VIEWER"] = "read-write";
        var firstReload = Task.Run(monitor.Reload);
        await Task.Delay(100);
        _configuration["TenantIsolation:Roles:VIEWER"] = "read-only";
        var secondReload = Task.Run(monitor.Reload);
        await Task.WhenAll(firstReload, secondReload).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["read-write", "read-only"], seen);
        Assert.Equal("read-only", monitor.CurrentValue.Roles["VIEWER"]);
        Assert.False(ViewerWrites()); // the catalog, a listener too, ends on the newest settings
    }

    private IReadOnlyList<FakeLogRecord> Refusals() => [.. _logs.GetSnapshot().Where(r => r.Id.Id == IsolationLogEvents.SettingsReloadRefused)];

    private bool ViewerWrites() => Catalog.TryGetForRole("VIEWER", out var set) && set.Tables.Single().Write;

    [Fact]
    public void Reload_ValidEdit_CatalogFollows()
    {
        var catalog = Catalog;
        Assert.False(ViewerWrites());

        Edit("TenantIsolation:Roles:VIEWER", "read-write");

        Assert.Same(catalog, Catalog);
        Assert.True(ViewerWrites());
        Assert.Equal("read-write", Monitor.CurrentValue.Roles["VIEWER"]);
        Assert.Contains(_logs.GetSnapshot(), r => r.Id.Id == IsolationLogEvents.SettingsReloaded && r.Message.Contains("TenantIsolation", StringComparison.Ordinal));
        Assert.Empty(Refusals());
    }

    [Fact]
    public void Reload_InvalidEdit_KeepsLastValidAndLogsOneErrorNamingTheKey()
    {
        _ = Catalog;
        _configuration["TenantIsolation:PermissionSets:read-only:Tables:Applications"] = "ReadWrite"; // valid on its own
        Edit("TenantIsolation:Roles:VIEWER", "no-such-set");
        _configuration.Reload(); // a save that fires twice still logs one line

        Assert.Equal("read-only", Monitor.CurrentValue.Roles["VIEWER"]);
        Assert.False(ViewerWrites()); // nothing of the refused edit is taken
        var refusal = Assert.Single(Refusals());
        Assert.Equal(LogLevel.Error, refusal.Level);
        Assert.Contains("TenantIsolation:Roles:VIEWER", refusal.Message, StringComparison.Ordinal);

        // Allow twin: the same edit made valid is taken.
        Edit("TenantIsolation:Roles:VIEWER", "read-only");
        Assert.True(ViewerWrites());
        Assert.Single(Refusals());
    }

    [Fact]
    public void Reload_UnparsableValue_KeepsLastValidAndNamesTheKey()
    {
        var before = Monitor.CurrentValue.Membership.PositiveTtl;

        Edit("TenantIsolation:Membership:PositiveTtl", "soon");

        Assert.Equal(before, Monitor.CurrentValue.Membership.PositiveTtl);
        Assert.Contains("TenantIsolation:Membership:PositiveTtl", Assert.Single(Refusals()).Message, StringComparison.Ordinal);

        Edit("TenantIsolation:Membership:PositiveTtl", "00:00:07");
        Assert.Equal(TimeSpan.FromSeconds(7), Monitor.CurrentValue.Membership.PositiveTtl);
    }

    [Fact]
    public void CurrentValue_InvalidAtStart_Throws()
    {
        Edit("TenantIsolation:Roles:VIEWER", "no-such-set");

        var ex = Assert.Throws<OptionsValidationException>(() => Monitor.CurrentValue);
        Assert.Contains(ex.Failures, f => f.Contains("TenantIsolation:Roles:VIEWER", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reload_PermissionSetRedefined_CredentialsMintedBeforeAreNotServed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var issuer = new FakeCredentialIssuer(time);
        using var meters = new TestMeterFactory();
        using var cache = new CredentialCache(issuer, TestOptions.Wrap(TestOptions.Valid()), time, new IsolationMetrics(meters), NullLogger<CredentialCache>.Instance);
        var acme = OrganizationId.Parse("acme");
        async Task<ScopedCredentials?> ViewerCredentialsAsync()
        {
            Assert.True(Catalog.TryGetForRole("VIEWER", out var set));
            return (await cache.GetAsync(new CredentialKey(acme, set.Name, null, Catalog.PolicyDigest(set)), set, CancellationToken.None)).Credentials;
        }

        var before = await ViewerCredentialsAsync();
        Assert.Same(before, await ViewerCredentialsAsync()); // cached while the set is unchanged

        Edit("TenantIsolation:PermissionSets:read-only:Tables:Applications", "ReadWrite");
        var after = await ViewerCredentialsAsync();

        Assert.NotNull(after);
        Assert.NotSame(before, after);
        Assert.Equal(2, issuer.Calls);
    }
}
