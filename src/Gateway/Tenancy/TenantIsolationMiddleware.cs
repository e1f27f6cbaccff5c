using System.Diagnostics;
using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Diagnostics;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Problems;
using Gateway.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Gateway.Tenancy;

/// <summary>
/// Runs inside the YARP pipeline for every proxied request. On tenant-isolated routes: rejects ambiguous paths, takes
/// the user id (<see cref="IdentityClaims"/>) and the requested organization, asks the isolation engine
/// (<see cref="ITenantIsolationEvaluator.DecideAsync"/>, one call), maps a denial through <see cref="ProblemTable"/>, writes the envelope for the route's cluster, and only then counts and
/// audits the allow and sets <see cref="ITenantFeature"/>. Every outcome is audited and counted; any failure, including
/// one writing the envelope, stops the request with problem+json (fail closed, nothing forwarded).
/// </summary>
internal sealed partial class TenantIsolationMiddleware(
    RequestDelegate next,
    OrganizationResolver resolver,
    ITenantIsolationEvaluator evaluator,
    IEnvelopeService envelopes,
    AuditLogger audit,
    GatewayMetrics metrics,
    IOptions<GatewayAuthenticationOptions> authentication,
    IProxyStateLookup proxyState,
    ILogger<TenantIsolationMiddleware> logger)
{
    /// <summary>Audit reason: the route's cluster has no envelope key.</summary>
    public const string NoEnvelopeKeyReason = "no_envelope_key";

    /// <summary>Audit reason: the route's legacy cluster is not loaded (a configuration race); nothing forwarded.</summary>
    public const string NoLegacyClusterReason = "no_legacy_cluster";

    /// <summary>Audit reason: writing the envelope failed.</summary>
    public const string EnvelopeFailedReason = "envelope_failed";

    private readonly string _userIdClaim = authentication.Value.UserIdClaim;

    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        if (proxy is null)
        {
            return next(context);
        }

        var settings = TenantRouteSettings.For(proxy.Route.Config);
        return settings.Isolated ? IsolateAsync(context, proxy, proxy.Route.Config.RouteId, settings.LegacyClusterId) : next(context);
    }

    private async Task IsolateAsync(HttpContext context, IReverseProxyFeature proxy, string routeId, string? legacyClusterId)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        if (PathGuard.IsAmbiguous(rawTarget))
        {
            await DenyAsync(context, routeId, null, null, ProblemTable.For(GatewayProblem.BadRequest), "ambiguous_path");
            return;
        }

        if (!IdentityClaims.TryGetUserId(context.User, _userIdClaim, out var userId))
        {
            await DenyAsync(context, routeId, null, null, ProblemTable.For(GatewayProblem.Unauthenticated), "no_user_id");
            return;
        }

        var resolution = resolver.Resolve(context);
        if (!resolution.Succeeded)
        {
            var problem = ProblemTable.For(resolution.Problem);
            await DenyAsync(context, routeId, null, userId, problem, problem.Code);
            return;
        }

        var organizationId = resolution.OrganizationId.Value;
        var decision = await evaluator.DecideAsync(new TenantRequest(userId, resolution.OrganizationId, legacyClusterId), context.RequestAborted);
        if (!decision.IsAllowed)
        {
            await RefuseOrRouteToLegacyAsync(context, routeId, decision);
            return;
        }

        // The envelope's audience and key are those of the cluster YARP will actually send to.
        var clusterId = proxy.Cluster?.Config.ClusterId ?? proxy.Route.Config.ClusterId ?? string.Empty;
        string? envelope;
        try
        {
            envelope = envelopes.GetEnvelope(decision, clusterId, context.TraceIdentifier);
        }
#pragma warning disable CA1031 // any failure to seal the envelope is a refusal (500 internal_error), never a forward
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogEnvelopeFailed(logger, ex.GetType().FullName ?? ex.GetType().Name, clusterId, context.TraceIdentifier);
            await DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(GatewayProblem.InternalError), EnvelopeFailedReason);
            return;
        }

        if (envelope is null)
        {
            await DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(GatewayProblem.InternalError), NoEnvelopeKeyReason);
            return;
        }

        context.Features.Set<ITenantFeature>(new TenantFeature(decision, envelope));
        metrics.Request(ProblemTable.Allow);
        audit.Allowed(context.TraceIdentifier, organizationId, userId, routeId, decision.Role, decision.PermissionSet, decision.SessionName);
        if (!GatewayTelemetry.IsTracing)
        {
            await next(context);
            return;
        }

        GatewayTelemetry.Outcome("ok");
        await ForwardTracedAsync(context, routeId, clusterId, decision);
    }

    /// <summary>A denial (through <see cref="ProblemTable"/>), or organization-by-organization migration: an organization not yet migrated goes to the legacy cluster, no envelope, no credentials.</summary>
    private async Task RefuseOrRouteToLegacyAsync(HttpContext context, string routeId, TenantIsolationDecision decision)
    {
        var organizationId = decision.OrganizationId.Value;
        var userId = decision.UserId;
        if (!decision.IsLegacy)
        {
            await DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(decision.Denial), decision.Reason, decision.RetryAfter);
            return;
        }

        if (!proxyState.TryGetCluster(decision.LegacyClusterId, out var legacyCluster))
        {
            await DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(GatewayProblem.InternalError), NoLegacyClusterReason);
            return;
        }

        context.ReassignProxyRequest(legacyCluster);
        context.Features.Set(new LegacyTenantFeature(decision.OrganizationId, userId, decision.Role));
        metrics.Request(ProblemTable.Allow);
        audit.Legacy(context.TraceIdentifier, organizationId, userId, routeId, decision.Role, decision.LegacyClusterId);
        await next(context);
    }

    /// <summary>YARP's proxy call inside a <c>gateway.forward</c> span: its id is the <c>traceparent</c> the backend receives.</summary>
    private async Task ForwardTracedAsync(HttpContext context, string routeId, string clusterId, TenantIsolationDecision decision)
    {
        using var activity = GatewayTelemetry.Source.StartActivity(GatewayTelemetry.ForwardSpan, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag(GatewayTelemetry.RouteTag, routeId);
            activity.SetTag("gateway.cluster", clusterId);
            activity.SetTag(IsolationTelemetry.OrganizationTag, decision.OrganizationId.Value);
            activity.SetTag(IsolationTelemetry.PermissionSetTag, decision.PermissionSet);
            activity.SetTag(IsolationTelemetry.SessionTag, decision.SessionName);
        }

        await next(context);
        if (activity is not null)
        {
            activity.SetTag("http.response.status_code", context.Response.StatusCode);
            if (context.Features.Get<Yarp.ReverseProxy.Forwarder.IForwarderErrorFeature>() is { } error)
            {
                activity.SetTag(IsolationTelemetry.OutcomeTag, error.Error.ToString());
                activity.SetStatus(ActivityStatusCode.Error, error.Error.ToString());
            }
        }
    }

    private Task DenyAsync(HttpContext context, string routeId, string? organizationId, string? userId, ProblemRow problem, string reason, TimeSpan? retryAfter = null)
    {
        metrics.Request(problem);
        var code = problem.Code;
        if (organizationId is not null)
        {
            metrics.Denied(organizationId, code);
        }

        GatewayTelemetry.Outcome(code);
        audit.Denied(context.TraceIdentifier, organizationId, userId, routeId, code, reason);
        return ProblemWriter.WriteAsync(context, problem, retryAfter);
    }

    // The exception's message is not logged: it could quote request or key material.
    [LoggerMessage(EventId = LogEvents.EnvelopeFailed, Level = LogLevel.Error, Message = "Writing the tenant envelope for cluster {ClusterId} failed ({ExceptionType}) for request {RequestId}; answered 500 internal_error, nothing forwarded")]
    private static partial void LogEnvelopeFailed(ILogger logger, string exceptionType, string clusterId, string requestId);
}
