using Gateway.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Forwarding;

/// <summary>
/// Gives every cluster that does not set its own <c>HttpRequest:ActivityTimeout</c> the gateway's default
/// (<see cref="ForwardingOptions.ActivityTimeout"/>, 20 s) instead of YARP's 100 s, at every configuration load. A cluster's
/// own value always wins; nothing else of the cluster changes.
/// </summary>
internal sealed class ForwardingTimeoutConfigFilter(IOptions<ForwardingOptions> forwarding) : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.HttpRequest?.ActivityTimeout is not null)
        {
            return ValueTask.FromResult(cluster);
        }

        var request = (cluster.HttpRequest ?? ForwarderRequestConfig.Empty) with { ActivityTimeout = forwarding.Value.ActivityTimeout };
        return ValueTask.FromResult(cluster with { HttpRequest = request });
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) => ValueTask.FromResult(route);
}
