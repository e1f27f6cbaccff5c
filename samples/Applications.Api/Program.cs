using Applications.Api;
using Gateway.Backend.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

// Content root = the app's folder, so its own appsettings.json is read even when started from the repository root
// (whose appsettings.json is the gateway's). Envelope keys are not in appsettings.json: locally they come from
// appsettings.Local.json (ASPNETCORE_ENVIRONMENT=Local, as run.sh starts it), elsewhere from the environment or a
// secret store (TenantContext__Keys__0__KeyId, TenantContext__Keys__0__Key).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

if (!string.IsNullOrEmpty(builder.Configuration["Applications:LegacyTable"]))
{
    // Legacy mode: the pre-migration backend over the legacy table (see LegacyEndpoints).
    builder.Services.AddOptions<ApplicationsOptions>().BindConfiguration(ApplicationsOptions.SectionName);
    builder.Services.AddLegacyApplications(builder.Configuration);
    var legacy = builder.Build();
    legacy.MapLegacyEndpoints();
    await legacy.RunAsync();
    return 0;
}

builder.Services.AddTenantContext();
builder.Services.AddOptions<ApplicationsOptions>().BindConfiguration(ApplicationsOptions.SectionName);
builder.Services.AddProblemDetails();

// Tracing by the standard OTEL_EXPORTER_OTLP_* variables, off when no endpoint is set: the request span continues the
// gateway's traceparent, and Gateway.Backend's source adds one span per DynamoDB call of the scoped client.
if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]))
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "applications-api"))
        .WithTracing(tracing => tracing
            .AddSource(BackendTelemetry.ActivitySourceName)
            .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal))
            .AddOtlpExporter());
}

var app = builder.Build();
if (app.Services.GetTenantContextConfigurationError() is { } error)
{
    // One line naming every offending key, exit 1: no stack trace from a failed host start.
    await Console.Error.WriteLineAsync($"Applications.Api cannot start: {error}");
    return 1;
}

app.UseUnexpectedFailures();
app.UseTenantContext();
app.UseDataStoreThrottling();
app.MapApplicationEndpoints();
await app.RunAsync();
return 0;
