using System.Diagnostics;
using Gateway.Diagnostics;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Authentication;

/// <summary>
/// ASP.NET Core's <see cref="AuthenticationMiddleware"/> inside a <c>gateway.authenticate</c> span that ends as soon as
/// authentication is done (the rest of the pipeline is not inside it). Without a listener it is the plain middleware.
/// The span says whether the caller was authenticated, never the token or its claims.
/// </summary>
internal sealed class TracedAuthenticationMiddleware
{
    private readonly AuthenticationMiddleware _authentication;
    private readonly RequestDelegate _next;

    public TracedAuthenticationMiddleware(RequestDelegate next, IAuthenticationSchemeProvider schemes)
    {
        _next = next;
        _authentication = new AuthenticationMiddleware(AfterAuthenticationAsync, schemes);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        using var activity = GatewayTelemetry.Source.StartActivity(GatewayTelemetry.AuthenticateSpan);
        await _authentication.Invoke(context);
    }

    private Task AfterAuthenticationAsync(HttpContext context)
    {
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, GatewayTelemetry.Source) && activity.OperationName == GatewayTelemetry.AuthenticateSpan)
        {
            var outcome = context.User.Identity?.IsAuthenticated == true ? "authenticated"
                : context.Request.Headers.Authorization.Count == 0 ? "anonymous" : "failed";
            activity.SetTag(GatewayTelemetry.AuthenticationTag, outcome);
            activity.Stop(); // the rest of the pipeline runs under the request span again
        }

        return _next(context);
    }
}
