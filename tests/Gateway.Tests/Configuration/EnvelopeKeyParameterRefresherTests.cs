using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Gateway.Configuration;
using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Configuration;

/// <summary>
/// The periodic re-read of envelope keys stored as SSM parameters: a rotated value reaches <see cref="EnvelopeOptions"/>
/// (through the validating monitor), an unreadable parameter keeps the keys read before.
/// </summary>
public sealed class EnvelopeKeyParameterRefresherTests : IDisposable
{
    private const string ParameterName = "/tenant-gateway/applications/current";
    private readonly string _first = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
    private readonly string _second = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
    private readonly FakeLogCollector _logs = new();
    private readonly ServiceProvider _services;
    private readonly EnvelopeKeyParameterRefresher _refresher;
    private readonly EnvelopeKeyParameterResolver _resolver;
    private readonly IConfigurationRoot _configuration;
    private string? _stored;
    private string? _other;

    public EnvelopeKeyParameterRefresherTests()
    {
        _stored = _first;
        var configuration = _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TenantIsolation:Envelopes:applications:Current:KeyId"] = "prod-1",
            ["TenantIsolation:Envelopes:applications:Current:Parameter"] = ParameterName,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(_logs)));
        services.AddSingleton<IConfiguration>(configuration);
        services.AddGatewayForwardingOptions(configuration, checkPublishedKeys: false);
        _services = services.BuildServiceProvider();
        var parameters = _services.GetRequiredService<EnvelopeKeyParameters>();
        _resolver = new EnvelopeKeyParameterResolver(configuration, Options.Create(new TenantIsolationOptions()), parameters, NullLogger<EnvelopeKeyParameterResolver>.Instance, _ => new Ssm(name => name == ParameterName ? _stored : _other));
        _refresher = new EnvelopeKeyParameterRefresher(configuration, _resolver, parameters, Options.Create(new ForwardingOptions()), TimeProvider.System, _services.GetRequiredService<ILogger<EnvelopeKeyParameterRefresher>>());
    }

    private string? CurrentKey => _services.GetRequiredService<IOptionsMonitor<EnvelopeOptions>>().CurrentValue.Clusters["applications"].Current!.Key;

    public void Dispose()
    {
        _refresher.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task RefreshAsync_ParameterRotated_NewKeyInForce()
    {
        await _resolver.ResolveAsync(CancellationToken.None); // start-up
        Assert.Equal(_first, CurrentKey);

        await _refresher.RefreshAsync(configurationChanged: false, CancellationToken.None);
        Assert.Equal(_first, CurrentKey); // unchanged: nothing reloads
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Id.Name == "SettingsReloaded");

        _stored = _second;
        await _refresher.RefreshAsync(configurationChanged: false, CancellationToken.None);

        Assert.Equal(_second, CurrentKey);
        Assert.Contains(_logs.GetSnapshot(), r => r.Id.Name == "SettingsReloaded");
    }

    [Fact]
    public async Task RefreshAsync_ParameterGone_KeysReadBeforeStayAndOneErrorNamesIt()
    {
        await _resolver.ResolveAsync(CancellationToken.None);
        _stored = null;

        await _refresher.RefreshAsync(configurationChanged: false, CancellationToken.None);

        Assert.Equal(_first, CurrentKey);
        var error = Assert.Single(_logs.GetSnapshot(), r => r.Level == LogLevel.Error);
        Assert.Contains(ParameterName, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_first, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefreshAsync_ConfigurationMovesTheKeyToANewParameter_ReadBeforeValidationAndInForce()
    {
        await _resolver.ResolveAsync(CancellationToken.None);
        Assert.Equal(_first, CurrentKey);
        _other = _second;

        _configuration["TenantIsolation:Envelopes:applications:Current:KeyId"] = "prod-2";
        _configuration["TenantIsolation:Envelopes:applications:Current:Parameter"] = "/tenant-gateway/applications/next";
        _configuration["TenantIsolation:Envelopes:applications:Previous:KeyId"] = "prod-1";
        _configuration["TenantIsolation:Envelopes:applications:Previous:Parameter"] = ParameterName;
        await _refresher.RefreshAsync(configurationChanged: true, CancellationToken.None);

        Assert.Equal(_second, CurrentKey);
        Assert.Equal(_first, _services.GetRequiredService<IOptionsMonitor<EnvelopeOptions>>().CurrentValue.Clusters["applications"].Previous!.Key);
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Level == LogLevel.Error);
    }

    [Fact]
    public async Task RefreshAsync_ConfigurationNamesAMissingParameter_RefusedAndOldKeyStays()
    {
        await _resolver.ResolveAsync(CancellationToken.None);
        Assert.Equal(_first, CurrentKey); // in force (as after start-up validation)

        _configuration["TenantIsolation:Envelopes:applications:Current:Parameter"] = "/tenant-gateway/applications/next"; // not in SSM
        await _refresher.RefreshAsync(configurationChanged: true, CancellationToken.None);

        Assert.Equal(_first, CurrentKey);
        Assert.Contains(_logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Message.Contains("/tenant-gateway/applications/next", StringComparison.Ordinal));

        // Twin: once the parameter exists, the next periodic read applies the pending change.
        _other = _second;
        await _refresher.RefreshAsync(configurationChanged: false, CancellationToken.None);
        Assert.Equal(_second, CurrentKey);
    }

    /// <summary>SSM answering GetParameters with the stored SecureStrings (or that a parameter does not exist).</summary>
    private sealed class Ssm(Func<string, string?> stored) : AmazonSimpleSystemsManagementClient(new BasicAWSCredentials("AKIATEST", "test"), RegionEndpoint.USEast1)
    {
        public override Task<GetParametersResponse> GetParametersAsync(GetParametersRequest request, CancellationToken cancellationToken = default)
        {
            var response = new GetParametersResponse { Parameters = [], InvalidParameters = [] };
            foreach (var name in request.Names)
            {
                if (stored(name) is { } value)
                {
                    response.Parameters.Add(new Parameter { Name = name, Type = ParameterType.SecureString, Value = value });
                }
                else
                {
                    response.InvalidParameters.Add(name);
                }
            }

            return Task.FromResult(response);
        }
    }
}
