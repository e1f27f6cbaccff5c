using Gateway.Testing;
using LoadTests.Scenarios;
using LoadTests.Topology;

namespace LoadTests.Tests.Topology;

public sealed class BaselineProxyTests
{
    [Fact]
    public async Task StartAsync_ForwardsToTheDestination()
    {
        await using var backend = await TestServer.StartAsync();
        await using var proxy = await BaselineProxy.StartAsync(backend.Url, FreePort.Next(), CancellationToken.None);
        using var client = ScenarioEnvironment.CreateHttpClient(4);

        var ok = await HttpSteps.SendAsync(client, HttpSteps.Get(proxy.Url, "/ok"), CancellationToken.None);
        var denied = await HttpSteps.SendAsync(client, HttpSteps.Get(proxy.Url, "/problem/403/not_a_member"), CancellationToken.None);

        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("ok", ok.Body);
        Assert.Equal(403, denied.StatusCode);
        Assert.Equal("not_a_member", denied.Code);
        Assert.Equal(2, backend.Requests);
        Assert.Equal("127.0.0.1", proxy.Url.Host);
    }
}
