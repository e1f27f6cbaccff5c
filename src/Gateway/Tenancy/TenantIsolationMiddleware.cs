using System.Diagnostics;
using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Configuration;
using Gateway.Diagnostics;
using Gateway.Forwarding;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Problems;
using Gateway.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Tenancy;

/// <summary>
/// Runs inside the YARP pipeline for every proxied request. On tenant-isolated routes: rejects ambiguous paths, takes
/// the user id (<see cref="IdentityClaims"/>) and the requested organization, asks the isolation engine
/// (<see cref="ITenantIsolationEvaluator.DecideAsync"/>, one call), maps a denial through <see cref="ProblemTable"/>, writes the envelope for the route's cluster, and only then
/// audits the allow and sets <see cref="ITenantFeature"/>. Every outcome is audited and counted; any failure, including
/// one writing the envelope, stops the request with problem+json (fail closed, nothing forwarded).
/// <para>
/// On every route, once YARP has forwarded, a forwarding error (<see cref="IForwarderErrorFeature"/>) is decided by
/// <see cref="ForwardingFailure"/>: a backend failure becomes 502 <c>backend_unavailable</c> (with Retry-After) or 504
/// <c>backend_timeout</c> problem+json, or, when the response had already started, is left aborted; either way it is
/// logged (route, cluster, YARP error) and counted. A forwarded request is counted once, after the forward, with its final
/// outcome: <c>allow</c> (tenant routes; a client that went away is still an allow) or the backend failure.
/// </para>
/// </summary>
internal sealed partial class TenantIsolationMiddleware(
    RequestDelegate next,
    OrganizationResolver resolver,
    ITenantIsolationEvaluator evaluator,
    IEnvelopeService envelopes,
    AuditLogger audit,
    RefusalAuditor refusals,
    GatewayMetrics metrics,
    IOptions<GatewayAuthenticationOptions> authentication,
    IOptions<ForwardingOptions> forwarding,
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
    private readonly TimeSpan _backendRetryAfter = forwarding.Value.BackendRetryAfter;

    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        if (proxy is null)
        {
            return next(context);
        }

        var settings = TenantRouteSettings.For(proxy.Route.Config);
        return settings.Isolated ? IsolateAsync(context, proxy, proxy.Route.Config.RouteId, settings.LegacyClusterId) : ForwardAsync(context, proxy.Route.Config.RouteId, counted: false);
    }

    /// <summary>
    /// The checks before the engine and the engine's decision. Not an async method: on the warm path (the decision
    /// answered from the caches) the request's one async frame is <see cref="ForwardAsync"/>, which also releases the
    /// organization's concurrency slot; only a decision still pending (a cache miss) takes <see cref="DecideThenActAsync"/>.
    /// </summary>
    private Task IsolateAsync(HttpContext context, IReverseProxyFeature proxy, string routeId, string? legacyClusterId)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        if (PathGuard.IsAmbiguous(rawTarget))
        {
            return DenyAsync(context, routeId, null, null, ProblemTable.For(GatewayProblem.BadRequest), "ambiguous_path");
        }

        if (!IdentityClaims.TryGetUserId(context.User, _userIdClaim, out var userId))
        {
            return DenyAsync(context, routeId, null, null, ProblemTable.For(GatewayProblem.Unauthenticated), "no_user_id");
        }

        var resolution = resolver.Resolve(context);
        if (!resolution.Succeeded)
        {
            var problem = ProblemTable.For(resolution.Problem);
            return DenyAsync(context, routeId, null, userId, problem, problem.Code);
        }

        var pending = evaluator.DecideAsync(new TenantRequest(userId, resolution.OrganizationId, legacyClusterId), context.RequestAborted);
        return pending.IsCompletedSuccessfully
            ? ActHoldingSlotAsync(context, proxy, routeId, pending.Result)
            : DecideThenActAsync(context, proxy, routeId, pending);
    }

    private async Task DecideThenActAsync(HttpContext context, IReverseProxyFeature proxy, string routeId, ValueTask<TenantIsolationDecision> pending)
        => await ActHoldingSlotAsync(context, proxy, routeId, await pending);

    /// <summary>
    /// Acts on the decision while the organization's concurrency slot is held: until the proxied response is complete
    /// (<see cref="ForwardAsync"/> releases it after YARP copied the response, or after it failed (502/504) or the client
    /// aborted), until a refusal is written, or until an exception ends the request — exactly once on every path.
    /// </summary>
    private Task ActHoldingSlotAsync(HttpContext context, IReverseProxyFeature proxy, string routeId, TenantIsolationDecision decision)
    {
        RateLimitHeaders.Write(context.Response, decision.RateLimit);
        var lease = decision.ConcurrencyLease;
        Task acting;
        bool forwarding;
        try
        {
            acting = ActOnDecisionAsync(context, proxy, routeId, decision, lease, out forwarding);
        }
        catch
        {
            lease?.Dispose();
            throw;
        }

        // A forward owns the lease (released in ForwardAsync's finally); any other answer releases it once written.
        return lease is null || forwarding ? acting : ReleaseAfterAsync(acting, lease);
    }

    private static async Task ReleaseAfterAsync(Task acting, IDisposable lease)
    {
        try
        {
            await acting;
        }
        finally
        {
            lease.Dispose();
        }
    }

    /// <param name="forwarding">Set when the returned task is a forward, which then owns <paramref name="lease"/>.</param>
    private Task ActOnDecisionAsync(HttpContext context, IReverseProxyFeature proxy, string routeId, TenantIsolationDecision decision, IDisposable? lease, out bool forwarding)
    {
        forwarding = false;
        var organizationId = decision.OrganizationId.Value;
        var userId = decision.UserId;
        if (!decision.IsAllowed)
        {
            return RefuseOrRouteToLegacyAsync(context, routeId, decision, lease, out forwarding);
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
            return DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(GatewayProblem.InternalError), EnvelopeFailedReason);
        }

        if (envelope is null)
        {
            return DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(GatewayProblem.InternalError), NoEnvelopeKeyReason);
        }

        context.Features.Set<ITenantFeature>(new TenantFeature(decision, envelope));
        audit.Allowed(context.TraceIdentifier, organizationId, userId, routeId, decision.Role, decision.PermissionSet, decision.SessionName);
        var method = context.Request.Method;
        metrics.Forwarded(organizationId, read: HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
        forwarding = true;
        if (!GatewayTelemetry.IsTracing)
        {
            return ForwardAsync(context, routeId, counted: true, lease);
        }

        GatewayTelemetry.Outcome("ok");
        return ForwardTracedAsync(context, routeId, clusterId, decision, lease);
    }

    /// <summary>A denial (through <see cref="ProblemTable"/>), or organization-by-organization migration: an organization not yet migrated goes to the legacy cluster, no envelope, no credentials.</summary>
    private Task RefuseOrRouteToLegacyAsync(HttpContext context, string routeId, TenantIsolationDecision decision, IDisposable? lease, out bool forwarding)
    {
        forwarding = false;
        var organizationId = decision.OrganizationId.Value;
        var userId = decision.UserId;
        if (decision.Denial == TenantDenialCode.OrganizationRateLimited)
        {
            // Counted like every denial; audited at most once per second per organization with the suppressed count.
            var limited = ProblemTable.For(decision.Denial);
            metrics.Request(limited);
            metrics.Denied(organizationId, limited.Code);
            GatewayTelemetry.Outcome(limited.Code);
            refusals.Limited(context.TraceIdentifier, organizationId, userId, routeId, limited.Code, decision.Reason);
            return ProblemWriter.WriteAsync(context, limited, decision.RetryAfter);
        }

        if (!decision.IsLegacy)
        {
            return DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(decision.Denial), decision.Reason, decision.RetryAfter);
        }

        if (!proxyState.TryGetCluster(decision.LegacyClusterId, out var legacyCluster))
        {
            return DenyAsync(context, routeId, organizationId, userId, ProblemTable.For(GatewayProblem.InternalError), NoLegacyClusterReason);
        }

        context.ReassignProxyRequest(legacyCluster);
        context.Features.Set(new LegacyTenantFeature(decision.OrganizationId, userId, decision.Role));
        audit.Legacy(context.TraceIdentifier, organizationId, userId, routeId, decision.Role, decision.LegacyClusterId);
        forwarding = true;
        return ForwardAsync(context, routeId, counted: true, lease);
    }

    /// <summary>
    /// Runs the rest of YARP's pipeline (the forward), then settles the request's one outcome. <paramref name="counted"/>:
    /// the route counts its allows (tenant routes; other routes count only their failures, as their refusals).
    /// <paramref name="lease"/>: the organization's concurrency slot, released when all of this is done.
    /// </summary>
    private async Task ForwardAsync(HttpContext context, string routeId, bool counted, IDisposable? lease = null)
    {
        try
        {
            try
            {
                await next(context);
            }
            catch when (counted && !context.RequestAborted.IsCancellationRequested)
            {
                metrics.Request(GatewayProblem.InternalError); // UnhandledExceptionMiddleware answers 500 internal_error
                throw;
            }

            var error = context.Features.Get<IForwarderErrorFeature>();
            var problem = error is null ? GatewayProblem.None : ForwardingFailure.Classify(error.Error, context.RequestAborted.IsCancellationRequested);
            if (problem == GatewayProblem.None)
            {
                if (counted)
                {
                    metrics.Request(ProblemTable.Allow);
                }

                return;
            }

            var row = ProblemTable.For(problem);
            metrics.Request(row);
            if (GatewayTelemetry.IsTracing && context.Features.Get<IHttpActivityFeature>()?.Activity is { IsAllDataRequested: true } server)
            {
                server.SetTag(IsolationTelemetry.OutcomeTag, row.Code); // the request's span (the forward span gets the YARP error)
            }

            var clusterId = context.Features.Get<IReverseProxyFeature>()?.Cluster?.Config.ClusterId ?? string.Empty;
            var exceptionType = error!.Exception?.GetBaseException().GetType().Name ?? "none";
            if (context.Response.HasStarted)
            {
                // YARP already reset/aborted the response: the client cannot take it for complete; there is nothing to write.
                LogForwardingFailed(logger, error.Error, exceptionType, routeId, clusterId, context.TraceIdentifier, row.Code, "response already started, aborted");
                return;
            }

            LogForwardingFailed(logger, error.Error, exceptionType, routeId, clusterId, context.TraceIdentifier, row.Code, "answered problem+json");
            context.Response.Clear(); // YARP's empty status and any headers copied from the backend
            await ProblemWriter.WriteAsync(context, row, problem == GatewayProblem.BackendUnavailable ? _backendRetryAfter : null);
        }
        finally
        {
            // The organization's concurrency slot (tenant routes): held until the proxied response is complete.
            lease?.Dispose();
        }
    }

    /// <summary>YARP's proxy call inside a <c>gateway.forward</c> span: its id is the <c>traceparent</c> the backend receives.</summary>
    private async Task ForwardTracedAsync(HttpContext context, string routeId, string clusterId, TenantIsolationDecision decision, IDisposable? lease)
    {
        using var held = lease; // ForwardAsync releases it; this covers a failure before it runs (Dispose is idempotent)
        using var activity = GatewayTelemetry.Source.StartActivity(GatewayTelemetry.ForwardSpan, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag(GatewayTelemetry.RouteTag, routeId);
            activity.SetTag("gateway.cluster", clusterId);
            activity.SetTag(IsolationTelemetry.OrganizationTag, decision.OrganizationId.Value);
            activity.SetTag(IsolationTelemetry.PermissionSetTag, decision.PermissionSet);
            activity.SetTag(IsolationTelemetry.SessionTag, decision.SessionName);
        }

        await ForwardAsync(context, routeId, counted: true, lease);
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

    // The exception's message is not logged (it can quote the request); the type and YARP's error say what failed.
    [LoggerMessage(EventId = LogEvents.ForwardingFailed, Level = LogLevel.Warning, Message = "Forwarding request {RequestId} on route {RouteId} to cluster {ClusterId} failed: {ForwarderError} ({ExceptionType}); outcome {Code}, {Action}")]
    private static partial void LogForwardingFailed(ILogger logger, ForwarderError forwarderError, string exceptionType, string routeId, string clusterId, string requestId, string code, string action);

    // The exception's message is not logged: it could quote request or key material.
    [LoggerMessage(EventId = LogEvents.EnvelopeFailed, Level = LogLevel.Error, Message = "Writing the tenant envelope for cluster {ClusterId} failed ({ExceptionType}) for request {RequestId}; answered 500 internal_error, nothing forwarded")]
    private static partial void LogEnvelopeFailed(ILogger logger, string exceptionType, string clusterId, string requestId);
}
