using Gateway.Envelopes;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Forwarding;

/// <summary>
/// Per-route request transform (one instance per route, no per-request allocation of transforms): removes every
/// spoofable inbound header (all case and '_' variants), then on isolated routes attaches <c>X-Tenant-Context</c>
/// and <c>X-Request-Id</c>. An isolated request without a tenant decision is never forwarded.
/// </summary>
internal sealed class TenantRequestTransform(TenantRouteSettings settings, EnvelopeService envelopes, SpoofableHeaders strip) : RequestTransform
{
    public const string RequestIdHeader = "X-Request-Id";

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var httpContext = context.HttpContext;
        foreach (var header in httpContext.Request.Headers)
        {
            if (strip.IsSpoofable(header.Key, settings.KeepAuthorization))
            {
                RemoveHeader(context, header.Key);
            }
        }

        var requestId = httpContext.TraceIdentifier;
        context.ProxyRequest.Headers.TryAddWithoutValidation(RequestIdHeader, requestId);
        if (!settings.Isolated)
        {
            return ValueTask.CompletedTask;
        }

        var tenant = httpContext.Features.Get<TenantForwardingFeature>()
            ?? throw new InvalidOperationException("Tenant-isolated route reached the transform without a tenant decision; refusing to forward.");
        var envelope = envelopes.GetEnvelope(tenant, settings.ClusterId, requestId)
            ?? throw new InvalidOperationException($"No envelope key for cluster '{settings.ClusterId}'; refusing to forward.");
        context.ProxyRequest.Headers.TryAddWithoutValidation(EnvelopeClaimNames.HeaderName, envelope);
        return ValueTask.CompletedTask;
    }
}
