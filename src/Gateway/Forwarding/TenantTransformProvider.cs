using Gateway.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Forwarding;

/// <summary>
/// Adds <see cref="TenantRequestTransform"/> to every route and validates route metadata at config load: every route
/// names an authorization policy; an isolated route is not anonymous and its cluster has an envelope key.
/// </summary>
internal sealed class TenantTransformProvider(EnvelopeService envelopes, IOptions<TenantIsolationOptions> options) : ITransformProvider
{
    private readonly SpoofableHeaders _strip = new(options.Value.Forwarding.StripHeaders);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var route = context.Route;
        if (string.IsNullOrWhiteSpace(route.AuthorizationPolicy))
        {
            context.Errors.Add(new ArgumentException($"Route '{route.RouteId}' has no AuthorizationPolicy; every route must name one (deny by default)."));
        }

        if (route.Metadata is { } metadata)
        {
            foreach (var key in (string[])[TenantRouteMetadata.Isolated, TenantRouteMetadata.KeepAuthorization])
            {
                if (metadata.TryGetValue(key, out var value) && !bool.TryParse(value, out _))
                {
                    context.Errors.Add(new ArgumentException($"Route '{route.RouteId}' metadata '{key}' must be true or false."));
                }
            }
        }

        var settings = TenantRouteSettings.Parse(route);
        if (!settings.Isolated)
        {
            return;
        }

        if (string.Equals(route.AuthorizationPolicy, "anonymous", StringComparison.OrdinalIgnoreCase))
        {
            context.Errors.Add(new ArgumentException($"Route '{route.RouteId}' is tenant-isolated and must not be anonymous."));
        }

        if (!envelopes.HasKeyFor(settings.ClusterId) || !options.Value.Envelopes.ContainsKey(settings.ClusterId))
        {
            context.Errors.Add(new ArgumentException($"Route '{route.RouteId}' is tenant-isolated but cluster '{settings.ClusterId}' has no key under TenantIsolation:Envelopes."));
        }
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.RequestTransforms.Add(new TenantRequestTransform(TenantRouteSettings.For(context.Route), envelopes, _strip));
    }
}
