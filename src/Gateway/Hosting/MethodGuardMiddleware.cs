using Gateway.Auditing;
using Gateway.Problems;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Hosting;

/// <summary>
/// Refuses, before anything else runs, every HTTP method except GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS (and
/// HTTP/2 extended CONNECT, which carries WebSockets): a plain <c>CONNECT</c> cannot be proxied, and <c>TRACE</c>,
/// <c>TRACK</c> or an unknown method would carry the <c>X-Tenant-Context</c> envelope to a backend that might echo it.
/// The refusal is 405 problem+json <c>method_not_allowed</c> with an <c>Allow</c> header (its <see cref="ProblemTable"/>
/// row), counted and audited like other refusals.
/// </summary>
internal sealed class MethodGuardMiddleware(RequestDelegate next, RefusalAuditor refusals)
{
    /// <summary>The audit reason of a refused method.</summary>
    public const string Reason = "method_not_forwardable";

    /// <summary>The methods the gateway forwards, as sent in <c>Allow</c>.</summary>
    public const string Allowed = ProblemTable.AllowedMethods;

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (IsForwardable(context))
        {
            return next(context);
        }

        refusals.Refused(context, GatewayProblem.MethodNotAllowed, Reason);
        return ProblemWriter.WriteAsync(context, GatewayProblem.MethodNotAllowed);
    }

    private static bool IsForwardable(HttpContext context)
    {
        // Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET, and is refused rather than passed on.
        var method = context.Request.Method;
        foreach (var allowed in ForwardableMethods)
        {
            if (string.Equals(method, allowed, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return string.Equals(method, HttpMethods.Connect, StringComparison.Ordinal)
            && context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;
    }

    private static readonly string[] ForwardableMethods =
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete, HttpMethods.Options];
}
