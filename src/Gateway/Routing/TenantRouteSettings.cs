using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>A route's tenant settings, parsed once per <see cref="RouteConfig"/> instance from its metadata.</summary>
internal sealed class TenantRouteSettings
{
    private static readonly ConditionalWeakTable<RouteConfig, TenantRouteSettings> Cache = new();

    private TenantRouteSettings(bool isolated, bool keepAuthorization, string clusterId, string? legacyClusterId)
    {
        LegacyClusterId = legacyClusterId;
        Isolated = isolated;
        KeepAuthorization = keepAuthorization;
        ClusterId = clusterId;
    }

    public bool Isolated { get; }

    public bool KeepAuthorization { get; }

    /// <summary>The YARP cluster, which is also the envelope audience.</summary>
    public string ClusterId { get; }

    /// <summary>The cluster of organizations not yet migrated (<see cref="TenantRouteMetadata.LegacyCluster"/>); null when the route has none.</summary>
    public string? LegacyClusterId { get; }

    public static TenantRouteSettings For(RouteConfig route) => Cache.GetValue(route, static r => Parse(r));

    internal static TenantRouteSettings Parse(RouteConfig route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return new TenantRouteSettings(
            Flag(route, TenantRouteMetadata.Isolated),
            Flag(route, TenantRouteMetadata.KeepAuthorization),
            route.ClusterId ?? string.Empty,
            route.Metadata is { } metadata && metadata.TryGetValue(TenantRouteMetadata.LegacyCluster, out var legacy) && !string.IsNullOrWhiteSpace(legacy) ? legacy : null);
    }

    private static bool Flag(RouteConfig route, string key)
        => route.Metadata is { } metadata && metadata.TryGetValue(key, out var value) && bool.TryParse(value, out var flag) && flag;
}
