using System.Diagnostics;
using Gateway.Diagnostics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Gateway.Authentication;

/// <summary>
/// The gateway's authentication step, in place of <c>UseAuthentication()</c>. A request whose <c>Authorization</c> value
/// the <see cref="ValidatedTokenCache"/> holds — a token that passed full JwtBearer validation and the identity checks,
/// still before its <c>exp</c> — gets the cached principal and authentication result directly. Every other request goes
/// through ASP.NET Core's <see cref="AuthenticationMiddleware"/> and JwtBearer unchanged (which validate, refuse, or
/// add the token to the cache). The hit path saves what the framework does even when JwtBearer's message-received event
/// answers from the cache: a handler resolved from the request's services, its event context, properties, tickets and
/// results. When tracing is on (<see cref="GatewayTelemetry.IsTracing"/>), authentication runs inside a
/// <c>gateway.authenticate</c> span that ends as soon as it is done (the rest of the pipeline is not inside it), tagged
/// with whether the caller was authenticated — never the token or its claims.
/// </summary>
internal sealed class GatewayAuthenticationMiddleware
{
    /// <summary>
    /// The application property <c>UseAuthentication()</c> sets; <c>WebApplication</c> inserts its own authentication
    /// middleware in front of the pipeline unless it is there (checked by <c>GatewayPipelineTests</c>).
    /// </summary>
    internal const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    private readonly RequestDelegate _next;
    private readonly AuthenticationMiddleware _standard;
    private readonly AuthenticationMiddleware _traced;
    private readonly ValidatedTokenCache _cache;
    private readonly SigningKeyFreshness? _freshness;

    public GatewayAuthenticationMiddleware(RequestDelegate next, IAuthenticationSchemeProvider schemes, ValidatedTokenCache cache, SigningKeyFreshness? freshness = null)
    {
        _freshness = freshness;
        _next = next;
        _standard = new AuthenticationMiddleware(next, schemes);
        _traced = new AuthenticationMiddleware(AfterTracedAuthenticationAsync, schemes);
        _cache = cache;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return GatewayTelemetry.IsTracing ? InvokeTracedAsync(context) : AuthenticateAsync(context, _standard);
    }

    private Task AuthenticateAsync(HttpContext context, AuthenticationMiddleware standard)
    {
        // Past MaxSigningKeyStaleness the cache is not used: JwtBearer refuses the token (503 authority_unavailable).
        if (_freshness?.IsStale != true && _cache.TryGetResult(context.Request.Headers.Authorization, out var result))
        {
            // What AuthenticationMiddleware does with a successful result of the default scheme.
            context.User = result.Principal!;
            var features = new AuthenticatedFeatures(result);
            context.Features.Set<IHttpAuthenticationFeature>(features);
            context.Features.Set<IAuthenticateResultFeature>(features);
            return ReferenceEquals(standard, _traced) ? AfterTracedAuthenticationAsync(context) : _next(context);
        }

        return standard.Invoke(context);
    }

    private async Task InvokeTracedAsync(HttpContext context)
    {
        using var activity = GatewayTelemetry.Source.StartActivity(GatewayTelemetry.AuthenticateSpan);
        await AuthenticateAsync(context, _traced);
    }

    /// <summary>Ends the authentication span (the rest of the pipeline runs under the request span again), then continues.</summary>
    private Task AfterTracedAuthenticationAsync(HttpContext context)
    {
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, GatewayTelemetry.Source) && activity.OperationName == GatewayTelemetry.AuthenticateSpan)
        {
            var outcome = context.User.Identity?.IsAuthenticated == true ? "authenticated"
                : context.Request.Headers.Authorization.Count == 0 ? "anonymous" : "failed";
            activity.SetTag(GatewayTelemetry.AuthenticationTag, outcome);
            activity.Stop();
        }

        return _next(context);
    }

    /// <summary>
    /// The same pair of features AuthenticationMiddleware sets (its own type is internal to ASP.NET Core); set only for a
    /// validated-token cache hit, which is how <see cref="GatewayAuthorizationMiddleware"/> recognises such a request.
    /// Replacing the user drops the result.
    /// </summary>
    internal sealed class AuthenticatedFeatures(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        private System.Security.Claims.ClaimsPrincipal? _user = result.Principal;
        private AuthenticateResult? _result = result;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                _user = value?.Principal;
            }
        }

        public System.Security.Claims.ClaimsPrincipal? User
        {
            get => _user;
            set
            {
                _user = value;
                _result = null;
            }
        }
    }
}
