using Gateway.Auditing;
using Gateway.Diagnostics;
using Gateway.Envelopes;
using Gateway.Problems;
using Gateway.Routing;
using Gateway.Tenancy;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Forwarding;

/// <summary>
/// Per-route request transform (one instance per route, no per-request allocation of transforms): removes every
/// spoofable inbound header (all case and '_' variants), sets <c>X-Request-Id</c>, and on isolated routes attaches the
/// <c>X-Tenant-Context</c> envelope the isolation middleware already wrote (<see cref="ITenantFeature"/>). It cannot
/// fail: an isolated request without a tenant decision (a pipeline bug) is answered 500 <c>internal_error</c>,
/// counted and audited, and YARP does not forward it.
/// </summary>
internal sealed class TenantRequestTransform(TenantRouteSettings settings, SpoofableHeaders strip, AuditLogger audit, GatewayMetrics metrics, string routeId) : RequestTransform
{
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>Audit reason: an isolated route reached the transform without a tenant decision.</summary>
    public const string NoDecisionReason = "no_tenant_decision";

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

        if (httpContext.Features.Get<LegacyTenantFeature>() is { } legacy)
        {
            // Legacy routing (organization not yet migrated): identity headers, no envelope, no credentials.
            context.ProxyRequest.Headers.TryAddWithoutValidation(LegacyTenantFeature.OrganizationHeader, legacy.OrganizationId.Value);
            context.ProxyRequest.Headers.TryAddWithoutValidation(LegacyTenantFeature.UserHeader, legacy.UserId);
            context.ProxyRequest.Headers.TryAddWithoutValidation(LegacyTenantFeature.RoleHeader, legacy.Role);
            return ValueTask.CompletedTask;
        }

        if (httpContext.GetTenantFeature() is not { } tenant)
        {
            // Writing a response (status other than 200) makes YARP skip forwarding.
            metrics.Request(GatewayProblem.InternalError);
            audit.Denied(requestId, null, null, routeId, ProblemTable.For(GatewayProblem.InternalError).Code, NoDecisionReason);
            return new ValueTask(ProblemWriter.WriteAsync(httpContext, GatewayProblem.InternalError));
        }

        context.ProxyRequest.Headers.TryAddWithoutValidation(EnvelopeClaimNames.HeaderName, tenant.Envelope);
        return ValueTask.CompletedTask;
    }
}
