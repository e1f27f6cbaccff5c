using Gateway.Configuration;
using Gateway.Forwarding;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Tests.Forwarding;

public sealed class ForwardingTimeoutConfigFilterTests
{
    private readonly ForwardingTimeoutConfigFilter _filter = new(TestOptions.Wrap(new ForwardingOptions { ActivityTimeout = TimeSpan.FromSeconds(7) }));

    [Fact]
    public async Task ConfigureClusterAsync_NoHttpRequest_GetsTheGatewayDefault()
    {
        var cluster = await _filter.ConfigureClusterAsync(new ClusterConfig { ClusterId = "a" }, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(7), cluster.HttpRequest?.ActivityTimeout);
    }

    [Fact]
    public async Task ConfigureClusterAsync_HttpRequestWithoutTimeout_GetsTheDefaultKeepsTheRest()
    {
        var original = new ClusterConfig { ClusterId = "a", HttpRequest = new ForwarderRequestConfig { Version = new Version(1, 1), AllowResponseBuffering = true } };

        var cluster = await _filter.ConfigureClusterAsync(original, CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(7), cluster.HttpRequest!.ActivityTimeout);
        Assert.Equal(new Version(1, 1), cluster.HttpRequest.Version);
        Assert.True(cluster.HttpRequest.AllowResponseBuffering);
        Assert.Equal("a", cluster.ClusterId);
    }

    [Fact]
    public async Task ConfigureClusterAsync_OwnTimeout_Kept()
    {
        var original = new ClusterConfig { ClusterId = "a", HttpRequest = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(90) } };

        var cluster = await _filter.ConfigureClusterAsync(original, CancellationToken.None);

        Assert.Same(original, cluster);
    }
}
