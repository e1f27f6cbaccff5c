using System.Diagnostics;

namespace Gateway.Diagnostics;

/// <summary>
/// The web host's <see cref="ActivitySource"/> (<see cref="ActivitySourceName"/>): the authentication span around the
/// JwtBearer handler and the forwarding span around YARP's proxy call (whose outgoing request carries the W3C
/// <c>traceparent</c> of this span, so the backend continues the trace). The isolation engine's spans are on
/// <c>gateway.isolation</c>. Without a tracer (no <c>OTEL_EXPORTER_OTLP_*</c> endpoint) nothing listens, spans are not
/// created and <see cref="IsTracing"/> is false, so per-request tags cost one check.
/// </summary>
internal static class GatewayTelemetry
{
    public const string ActivitySourceName = "gateway";
    public const string AuthenticateSpan = "gateway.authenticate";
    public const string ForwardSpan = "gateway.forward";

    /// <summary>Attribute: the YARP route id.</summary>
    public const string RouteTag = "gateway.route";

    /// <summary>Attribute: <c>authenticated</c>, <c>anonymous</c> (no token) or <c>failed</c>.</summary>
    public const string AuthenticationTag = "gateway.authentication";

    public static readonly ActivitySource Source = new(ActivitySourceName);

    public static bool IsTracing => Source.HasListeners();

    /// <summary>Tags the request's current span with the outcome code (<c>ok</c> or the problem code) when tracing.</summary>
    public static void Outcome(string code)
    {
        if (IsTracing && Activity.Current is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(Isolation.Diagnostics.IsolationTelemetry.OutcomeTag, code);
        }
    }
}
