using Gateway.Auditing;
using Gateway.Problems;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Hosting;

/// <summary>
/// Refuses HTTP methods the proxy cannot forward before anything else runs: a plain <c>CONNECT</c> (a tunnel request;
/// HTTP/2 extended CONNECT for WebSockets is forwarded) ends in 405 problem+json <c>method_not_allowed</c>, counted and
/// audited like other refusals, instead of reaching YARP and failing there.
/// </summary>
internal sealed class MethodGuardMiddleware(RequestDelegate next, RefusalAuditor refusals)
{
    /// <summary>The audit reason of a refused method.</summary>
    public const string Reason = "method_not_forwardable";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (HttpMethods.IsConnect(context.Request.Method) && context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect != true)
        {
            refusals.Refused(context, GatewayProblem.MethodNotAllowed, Reason);
            context.Response.Headers.Allow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
            return ProblemWriter.WriteAsync(context, GatewayProblem.MethodNotAllowed);
        }

        return next(context);
    }
}
