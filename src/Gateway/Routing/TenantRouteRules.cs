using Yarp.ReverseProxy.Configuration;

namespace Gateway.Routing;

/// <summary>
/// The gateway's rules for a YARP route, applied in one place: YARP's load-time validation (through
/// <c>TenantTransformProvider.ValidateRoute</c>), whose errors start-up lists with every other configuration error.
/// Every route names an authorization policy (deny by default); the tenant metadata flags are booleans; the route's
/// cluster exists; an isolated route is not anonymous and its cluster has an envelope key; a legacy cluster
/// (<see cref="TenantRouteMetadata.LegacyCluster"/>) only on isolated routes, defined, and not the isolated cluster itself.
/// </summary>
internal static class TenantRouteRules
{
    private static readonly string[] Flags = [TenantRouteMetadata.Isolated, TenantRouteMetadata.KeepAuthorization];

    /// <param name="route">The route as YARP loaded it.</param>
    /// <param name="clusterExists">Whether a cluster id is defined under ReverseProxy:Clusters; null skips that rule.</param>
    /// <param name="hasEnvelopeKey">Whether a cluster id has an envelope key under TenantIsolation:Envelopes.</param>
    /// <param name="errors">Receives one exception per broken rule, its message naming the configuration key.</param>
    public static void Validate(RouteConfig route, Func<string, bool>? clusterExists, Func<string, bool> hasEnvelopeKey, ICollection<Exception> errors)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(hasEnvelopeKey);
        ArgumentNullException.ThrowIfNull(errors);
        var key = $"ReverseProxy:Routes:{route.RouteId}";
        if (string.IsNullOrWhiteSpace(route.AuthorizationPolicy))
        {
            errors.Add(new ArgumentException($"{key}:AuthorizationPolicy is required: every route must name an authorization policy (deny by default)."));
        }

        foreach (var flag in Flags)
        {
            if (route.Metadata is { } metadata && metadata.TryGetValue(flag, out var value) && !bool.TryParse(value, out _))
            {
                errors.Add(new ArgumentException($"{key}:Metadata:{flag} must be true or false (was '{value}')."));
            }
        }

        var clusterId = route.ClusterId;
        if (!string.IsNullOrEmpty(clusterId) && clusterExists is not null && !clusterExists(clusterId))
        {
            errors.Add(new ArgumentException($"{key}:ClusterId '{clusterId}' is not defined under ReverseProxy:Clusters."));
        }

        var settings = TenantRouteSettings.Parse(route);
        if (!settings.Isolated)
        {
            if (settings.LegacyClusterId is not null)
            {
                errors.Add(new ArgumentException($"{key}:Metadata:{TenantRouteMetadata.LegacyCluster} is only allowed on a tenant-isolated route."));
            }

            return;
        }

        if (settings.LegacyClusterId is { } legacy)
        {
            if (string.Equals(legacy, clusterId, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new ArgumentException($"{key}:Metadata:{TenantRouteMetadata.LegacyCluster} '{legacy}' must differ from the route's ClusterId (the isolated cluster)."));
            }
            else if (clusterExists is not null && !clusterExists(legacy))
            {
                errors.Add(new ArgumentException($"{key}:Metadata:{TenantRouteMetadata.LegacyCluster} '{legacy}' is not defined under ReverseProxy:Clusters."));
            }
        }

        if (string.Equals(route.AuthorizationPolicy, "anonymous", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new ArgumentException($"{key}:AuthorizationPolicy must not be 'anonymous' on a tenant-isolated route."));
        }

        if (string.IsNullOrEmpty(clusterId) || !hasEnvelopeKey(clusterId))
        {
            errors.Add(new ArgumentException($"{key} is tenant-isolated but its cluster '{clusterId}' has no envelope key under TenantIsolation:Envelopes:{clusterId}."));
        }
    }

    /// <summary>
    /// The rule across routes: every isolated route to one cluster names the same legacy cluster (or none does). A route
    /// without it would send a not-yet-migrated organization's writes to the partitioned table, where the cutover's
    /// delta could never tell them from its own copy.
    /// </summary>
    public static void ValidateAcrossRoutes(IEnumerable<RouteConfig> routes, ICollection<Exception> errors)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(errors);
        var isolated = routes
            .Select(r => (Route: r, Settings: TenantRouteSettings.Parse(r)))
            .Where(r => r.Settings.Isolated && !string.IsNullOrEmpty(r.Route.ClusterId));
        foreach (var cluster in isolated.GroupBy(r => r.Route.ClusterId!, StringComparer.OrdinalIgnoreCase))
        {
            var legacies = cluster.GroupBy(r => r.Settings.LegacyClusterId ?? string.Empty, StringComparer.OrdinalIgnoreCase).ToList();
            if (legacies.Count > 1)
            {
                var detail = string.Join("; ", legacies.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
                    $"{(g.Key.Length == 0 ? "none" : $"'{g.Key}'")} on {string.Join(", ", g.Select(r => r.Route.RouteId).Order(StringComparer.Ordinal))}"));
                errors.Add(new ArgumentException(
                    $"ReverseProxy:Routes: the tenant-isolated routes to cluster '{cluster.Key}' disagree about Metadata:{TenantRouteMetadata.LegacyCluster} ({detail}); give every isolated route to that cluster the same legacy cluster, or none."));
            }
        }
    }
}
