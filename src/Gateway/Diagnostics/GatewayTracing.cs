using Gateway.Isolation.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gateway.Diagnostics;

/// <summary>
/// OpenTelemetry tracing, configured by the standard variables: on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or
/// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> is set (then <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>_HEADERS</c>,
/// <c>_TIMEOUT</c>, <c>OTEL_BSP_*</c> and <c>OTEL_SERVICE_NAME</c> apply as the OpenTelemetry SDK reads them), off
/// otherwise: no tracer provider, no listener, so the gateway's and the engine's spans are never created. Traces the
/// gateway's sources, ASP.NET Core requests (not the probes or <c>/metrics</c>) and outgoing HTTP (STS, DynamoDB, the
/// proxied request, which carries <c>traceparent</c>).
/// </summary>
internal static class GatewayTracing
{
    public const string DefaultServiceName = "tenant-gateway";

    public static bool IsEnabled(IConfiguration configuration)
        => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    public static void Add(OpenTelemetryBuilder openTelemetry, IConfiguration configuration)
    {
        if (!IsEnabled(configuration))
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
        {
            openTelemetry.ConfigureResource(resource => resource.AddService(DefaultServiceName));
        }

        openTelemetry.WithTracing(tracing => tracing
            .AddSource(GatewayTelemetry.ActivitySourceName, IsolationTelemetry.ActivitySourceName)
            .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsOperationalPath(context.Request.Path))
            .AddHttpClientInstrumentation()
            .AddOtlpExporter());
    }

    private static bool IsOperationalPath(PathString path)
        => path.StartsWithSegments("/healthz", StringComparison.Ordinal)
            || path.StartsWithSegments("/readyz", StringComparison.Ordinal)
            || path.StartsWithSegments("/metrics", StringComparison.Ordinal);
}
