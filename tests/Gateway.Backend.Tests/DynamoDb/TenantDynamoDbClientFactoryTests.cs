using Gateway.Backend.Context;
using Gateway.Backend.DynamoDb;
using Gateway.Envelopes.Tests;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Backend.Tests.DynamoDb;

public sealed class TenantDynamoDbClientFactoryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = EnvelopeTestData.Clock();
    private readonly TenantDynamoDbClientFactory _factory;

    public TenantDynamoDbClientFactoryTests() => _factory = Create();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public void Rent_SameCredentialGeneration_SameSharedClient()
    {
        var first = _factory.Rent(EnvelopeTestData.Envelope());
        var second = _factory.Rent(EnvelopeTestData.Envelope() with { RequestId = "req-2", UserId = "erin" });

        Assert.Same(first.Client, second.Client);
        Assert.False(first.Owned);
        Assert.Equal(1, _factory.ClientsCreated);
    }

    [Fact]
    public void Rent_NextCredentialGeneration_NewClient()
    {
        var first = _factory.Rent(EnvelopeTestData.Envelope());
        var next = _factory.Rent(EnvelopeTestData.Envelope() with { AccessKeyId = "ASIANEXTGENERATION01" });

        Assert.NotSame(first.Client, next.Client);
        Assert.Equal(2, _factory.CachedCount);
    }

    [Fact]
    public void Rent_SameKeyIdOtherSecret_NeverGetsTheCachedClient()
    {
        var cached = _factory.Rent(EnvelopeTestData.Envelope());

        using var other = _factory.Rent(EnvelopeTestData.Envelope() with { SecretAccessKey = "another-secret" });

        Assert.NotSame(cached.Client, other.Client);
        Assert.True(other.Owned);
    }

    [Fact]
    public void Sweep_AfterExpiryPlusGrace_EvictsAndDisposes()
    {
        var expiring = _factory.Rent(EnvelopeTestData.Envelope(EnvelopeTestData.Start.AddMinutes(15)));

        _clock.Advance(TimeSpan.FromMinutes(15) + TenantDynamoDbClientFactory.EvictionGrace - TimeSpan.FromSeconds(1));
        _factory.Sweep(_clock.GetUtcNow());
        var stillCached = _factory.CachedCount;
        _clock.Advance(TimeSpan.FromSeconds(1));
        _factory.Sweep(_clock.GetUtcNow());

        Assert.Equal(1, stillCached);
        Assert.Equal(0, _factory.CachedCount);
        Assert.Throws<ObjectDisposedException>(() => expiring.Client.ListTablesAsync().GetAwaiter().GetResult());
    }

    [Fact]
    public void Rent_CacheFull_OwnedClientPerRequest()
    {
        using var factory = Create(maxCachedClients: 1);
        var cached = factory.Rent(EnvelopeTestData.Envelope());

        var overflow = factory.Rent(EnvelopeTestData.Envelope() with { AccessKeyId = "ASIAOVERFLOW00000001" });

        Assert.False(cached.Owned);
        Assert.True(overflow.Owned);
        overflow.Dispose();
    }

    [Fact]
    public void Config_ServiceUrlAndSigningRegionFromOptions()
    {
        Assert.Equal("http://127.0.0.1:4566/", _factory.Config.ServiceURL);
        Assert.Equal("us-east-1", _factory.Config.AuthenticationRegion);
    }

    private TenantDynamoDbClientFactory Create(int maxCachedClients = 16)
    {
        var options = new TenantContextOptions { Audience = "applications" };
        options.DynamoDb.ServiceUrl = "http://127.0.0.1:4566";
        options.DynamoDb.MaxCachedClients = maxCachedClients;
        return new TenantDynamoDbClientFactory(Options.Create(options), _clock);
    }
}
