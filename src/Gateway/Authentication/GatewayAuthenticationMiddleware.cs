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
/// results.
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
    private readonly ValidatedTokenCache _cache;

    public GatewayAuthenticationMiddleware(RequestDelegate next, IAuthenticationSchemeProvider schemes, ValidatedTokenCache cache)
    {
        _next = next;
        _standard = new AuthenticationMiddleware(next, schemes);
        _cache = cache;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_cache.TryGetResult(context.Request.Headers.Authorization, out var result))
        {
            // What AuthenticationMiddleware does with a successful result of the default scheme.
            context.User = result.Principal!;
            var features = new AuthenticatedFeatures(result);
            context.Features.Set<IHttpAuthenticationFeature>(features);
            context.Features.Set<IAuthenticateResultFeature>(features);
            return _next(context);
        }

        return _standard.Invoke(context);
    }

    /// <summary>The same pair of features AuthenticationMiddleware sets (its own type is internal to ASP.NET Core).</summary>
    private sealed class AuthenticatedFeatures(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
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
