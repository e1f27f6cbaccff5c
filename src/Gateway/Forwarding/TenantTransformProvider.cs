using Gateway.Auditing;
using Gateway.Configuration;
using Gateway.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Routing;
using Gateway.Tenancy;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Routing.Template;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Forwarding;

/// <summary>
/// Adds <see cref="TenantRequestTransform"/> and <see cref="TenantResponseTransform"/> (credentials the data store
/// rejected; the same header is also removed from the response trailers) to every route, and applies <see cref="TenantRouteRules"/> in YARP's
/// load-time route validation (the one place routes are validated). Options are read on first use, so routes are
/// still validated (and listed with every other error) when the forwarding or envelope options are invalid.
/// </summary>
internal sealed class TenantTransformProvider(
    Lazy<IEnvelopeService> envelopes, IOptions<ForwardingOptions> forwarding, AuditLogger audit, GatewayMetrics metrics, Func<ITenantIsolationEvaluator?>? evaluator = null)
    : ITransformProvider
{
    private readonly Lazy<SpoofableHeaders> _strip = new(() => new SpoofableHeaders(forwarding.Value.StripHeaders));
    private readonly TenantResponseTransform _response = new(evaluator ?? (static () => null));

    private static readonly ResponseTrailerRemoveTransform CredentialsRejectedTrailer = new(TenantResponseTransform.CredentialsRejectedHeader, ResponseCondition.Always);

    public TenantTransformProvider(IServiceProvider services, IOptions<ForwardingOptions> forwarding, AuditLogger audit, GatewayMetrics metrics)
        : this(new Lazy<IEnvelopeService>(services.GetRequiredService<IEnvelopeService>), forwarding, audit, metrics, services.GetService<ITenantIsolationEvaluator>)
    {
    }

    public void ValidateRoute(TransformRouteValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        TenantRouteRules.Validate(context.Route, ClusterExists(context.Services), HasEnvelopeKey, context.Errors);
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReplacePathPattern(context);
        context.RequestTransforms.Add(new TenantRequestTransform(TenantRouteSettings.For(context.Route), _strip.Value, audit, metrics, context.Route.RouteId));
        context.ResponseTransforms.Add(_response);
        // The backend may send the header as a trailer too (copied after the body to HTTP/2 and HTTP/3 clients): never acted
        // on there (the response has started), never passed on.
        context.ResponseTrailersTransforms.Add(CredentialsRejectedTrailer);
    }

    /// <summary>
    /// Swaps YARP's <c>PathPattern</c> transform (a template binder per request) for <see cref="PathPatternTransform"/>
    /// (one binder per route, the same binding). A route with several path patterns keeps YARP's transforms.
    /// </summary>
    private static void ReplacePathPattern(TransformBuilderContext context)
    {
        var patterns = context.Route.Transforms?
            .Where(t => t.TryGetValue("PathPattern", out _))
            .Select(t => t["PathPattern"])
            .ToList();
        var yarps = context.RequestTransforms.OfType<PathRouteValuesTransform>().ToList();
        if (patterns is not { Count: 1 } || yarps.Count != 1 || context.Services?.GetService<TemplateBinderFactory>() is not { } binders)
        {
            return;
        }

        context.RequestTransforms[context.RequestTransforms.IndexOf(yarps[0])] = new PathPatternTransform(patterns[0], binders);
    }

    private bool HasEnvelopeKey(string clusterId)
    {
        try
        {
            return envelopes.Value.HasKeyFor(clusterId);
        }
        catch (OptionsValidationException)
        {
            return true; // TenantIsolation:Envelopes is invalid and reported as such; do not add a second error per route
        }
    }

    private static Func<string, bool>? ClusterExists(IServiceProvider? services)
    {
        if (services?.GetService<IEnumerable<IProxyConfigProvider>>() is not { } providers)
        {
            return null;
        }

        var clusters = providers.SelectMany(p => p.GetConfig().Clusters).Select(c => c.ClusterId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return clusters.Contains;
    }
}
