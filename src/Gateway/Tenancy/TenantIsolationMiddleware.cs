using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Configuration;
using Gateway.Credentials;
using Gateway.Diagnostics;
using Gateway.Forwarding;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Gateway.Tenancy;

/// <summary>
/// Runs inside the YARP pipeline for every proxied request. On tenant-isolated routes: rejects ambiguous paths, resolves
/// the organization, checks membership server-side, obtains scoped credentials, and records the decision for the
/// request transform. Every outcome is audited; any failure stops the request (fail closed).
/// </summary>
internal sealed class TenantIsolationMiddleware
{
    private readonly RequestDelegate _next;
    private readonly OrganizationResolver _resolver;
    private readonly MembershipService _membership;
    private readonly CredentialCache _credentials;
    private readonly PermissionSetCatalog _catalog;
    private readonly AuditLogger _audit;
    private readonly GatewayMetrics _metrics;
    private readonly string _userIdClaim;
    private readonly bool _perUser;
    private readonly TimeSpan _membershipRetryAfter;

    public TenantIsolationMiddleware(
        RequestDelegate next,
        OrganizationResolver resolver,
        MembershipService membership,
        CredentialCache credentials,
        PermissionSetCatalog catalog,
        AuditLogger audit,
        GatewayMetrics metrics,
        IOptions<GatewayAuthenticationOptions> authentication,
        IOptions<TenantIsolationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        ArgumentNullException.ThrowIfNull(options);
        _next = next;
        _resolver = resolver;
        _membership = membership;
        _credentials = credentials;
        _catalog = catalog;
        _audit = audit;
        _metrics = metrics;
        _userIdClaim = authentication.Value.UserIdClaim;
        _perUser = options.Value.CredentialScope == CredentialScope.User;
        _membershipRetryAfter = options.Value.Membership.RetryAfter;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>();
        if (proxy is null)
        {
            return _next(context);
        }

        var settings = TenantRouteSettings.For(proxy.Route.Config);
        return settings.Isolated ? IsolateAsync(context, proxy.Route.Config.RouteId) : _next(context);
    }

    private async Task IsolateAsync(HttpContext context, string routeId)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        if (PathGuard.IsAmbiguous(rawTarget))
        {
            await DenyAsync(context, routeId, null, null, GatewayProblem.BadRequest, "ambiguous_path");
            return;
        }

        if (!IdentityClaims.TryGetUserId(context.User, _userIdClaim, out var userId))
        {
            await DenyAsync(context, routeId, null, null, GatewayProblem.Unauthenticated, "no_user_id");
            return;
        }

        var resolution = _resolver.Resolve(context);
        if (!resolution.Succeeded)
        {
            await DenyAsync(context, routeId, null, userId, resolution.Problem, ProblemWriter.Code(resolution.Problem));
            return;
        }

        var organizationId = resolution.OrganizationId;
        Membership membership;
        try
        {
            membership = await _membership.GetAsync(userId, organizationId, context.RequestAborted);
        }
        catch (MembershipUnavailableException ex)
        {
            await DenyAsync(context, routeId, organizationId.Value, userId, GatewayProblem.MembershipUnavailable, ex.Message, _membershipRetryAfter);
            return;
        }

        if (!membership.IsMember)
        {
            var problem = membership.Status switch
            {
                MembershipStatus.Suspended => GatewayProblem.OrganizationSuspended,
                MembershipStatus.UnknownOrganization => GatewayProblem.UnknownOrganization,
                _ => GatewayProblem.NotAMember,
            };
            await DenyAsync(context, routeId, organizationId.Value, userId, problem, ProblemWriter.Code(problem));
            return;
        }

        var role = membership.Role!;
        if (!_catalog.TryGetForRole(role, out var permissionSet))
        {
            await DenyAsync(context, routeId, organizationId.Value, userId, GatewayProblem.NotAMember, "role_not_mapped");
            return;
        }

        var key = new CredentialKey(organizationId, permissionSet.Name, _perUser ? userId : null);
        var result = await _credentials.GetAsync(key, permissionSet, context.RequestAborted);
        if (result.Credentials is not { } credentials)
        {
            await DenyAsync(context, routeId, organizationId.Value, userId, GatewayProblem.CredentialsUnavailable, "sts_unavailable", result.RetryAfter);
            return;
        }

        context.Features.Set(new TenantForwardingFeature(organizationId, userId, role, permissionSet.Name, credentials));
        _metrics.Request(GatewayProblem.None);
        _audit.Allowed(context.TraceIdentifier, organizationId.Value, userId, routeId, role, permissionSet.Name, credentials.SessionName);
        await _next(context);
    }

    private Task DenyAsync(HttpContext context, string routeId, string? organizationId, string? userId, GatewayProblem problem, string reason, TimeSpan? retryAfter = null)
    {
        _metrics.Request(problem);
        _audit.Denied(context.TraceIdentifier, organizationId, userId, routeId, ProblemWriter.Code(problem), reason);
        return ProblemWriter.WriteAsync(context, problem, retryAfter);
    }
}
