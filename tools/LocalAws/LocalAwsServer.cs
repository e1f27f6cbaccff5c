using System.Net;
using System.Text.Json;
using LocalAws.CloudFormation;
using LocalAws.Configuration;
using LocalAws.Diagnostics;
using LocalAws.Dynalite;
using LocalAws.Iam;
using LocalAws.DynamoDb;
using LocalAws.Identity;
using LocalAws.Seeding;
using LocalAws.Signing;
using LocalAws.Ssm;
using LocalAws.Sts;
using LocalAws.Tokens;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace LocalAws;

/// <summary>Composition root: dynalite (or an upstream), seeding, Kestrel on 127.0.0.1, and the endpoints.</summary>
internal static class LocalAwsServer
{
    public const string ReadyLinePrefix = "LocalAws listening on ";

    public static async Task<int> RunAsync(LocalAwsCommandLine commandLine, CancellationToken cancellationToken)
    {
        var configPath = commandLine.ConfigFile ?? Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var section = LocalAwsConfig.ReadSection(configPath);
        var config = LocalAwsConfig.FromJson(section, configPath);
        IIamSource iamSource = new ConfigFileIamSource(section, configPath);
        var tables = DemoSeeder.DefaultTables;
        // Without --cloudformation the deployment template is still the IAM truth, unless the config file brings its own
        // roles (test fixtures with special IAM).
        var template = commandLine.CloudFormationTemplate
            ?? (section.TryGetProperty("Roles", out _) ? null : CloudFormationStack.FindDefaultTemplate()
                ?? throw new InvalidOperationException($"Could not find {CloudFormationStack.DefaultTemplate} (walked up from the current directory and the LocalAws assembly directory); pass --cloudformation FILE."));
        if (template is not null)
        {
            // The deployment template is the IAM (and table) truth; the config file only contributes users with access keys.
            var stack = CloudFormationStack.Load(template, commandLine.Parameters, config.Scope, config.CloudFormationParameters);
            iamSource = new CloudFormationIamSource(stack, iamSource);
            tables = stack.Tables;
        }

        var iam = IamDirectory.Load(iamSource, config.Scope);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, commandLine.Port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
        });
        builder.WebHost.UseSetting(WebHostDefaults.PreventHostingStartupKey, "true");

        var wallClock = TimeProvider.System;
        var clock = new LocalClock(wallClock);
        var services = builder.Services;
        services.AddSingleton(config.Scope);
        services.AddSingleton(iam);
        services.AddSingleton(clock);
        services.AddSingleton(sp => new CredentialStore(iam, clock));
        services.AddSingleton(sp => new RequestAuthenticator(sp.GetRequiredService<CredentialStore>(), clock, wallClock, config.Region));
        services.AddSingleton(new FaultInjector(wallClock));
        services.AddSingleton(new LocalAwsStats(wallClock));
        services.AddSingleton(new PartitionThroughput(commandLine.Throughput, wallClock));
        services.AddSingleton(new DevTokenIssuer(config.TokenAudience, clock));
        services.AddSingleton<AssumeRoleSessionIssuer>();
        services.AddSingleton<StsEndpoint>();
        services.AddSingleton<IamEndpoint>();
        services.AddSingleton<KeySchemaCache>();
        services.AddSingleton<DecisionCache>();
        services.AddSingleton<DynamoDbEndpoint>();
        services.AddSingleton(new SsmParameterStore(commandLine.SsmParameters, config.Scope, wallClock.GetUtcNow()));
        services.AddSingleton<SsmEndpoint>();

        using var startupLoggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
        var startupLogger = startupLoggerFactory.CreateLogger("LocalAws");

        DynaliteProcess? dynalite = null;
        Uri upstreamUrl;
        if (commandLine.DynamoDbUpstream is { } upstreamUri)
        {
            upstreamUrl = upstreamUri;
        }
        else
        {
            var directory = commandLine.DynaliteDirectory ?? DynaliteProcess.FindDirectory()
                ?? throw new InvalidOperationException("Could not find tools/dynalite (walked up from the current directory and the LocalAws assembly directory); pass --dynalite-dir DIR or --dynamodb-upstream URL.");
            dynalite = await DynaliteProcess.StartAsync(directory, commandLine.DataDirectory, startupLogger, cancellationToken);
            upstreamUrl = dynalite.Url;
        }

        await using (dynalite)
        {
            using var upstream = new UpstreamDynamoDb(upstreamUrl, config.Region, wallClock);
            services.AddSingleton(upstream);

            await WaitForUpstreamAsync(upstream, cancellationToken);
            await DemoSeeder.RunAsync(upstream, tables, commandLine.Seed, startupLogger, cancellationToken);

            await using var app = builder.Build();
            MapEndpoints(app);
            await app.StartAsync(cancellationToken);

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var url = new Uri(address).GetLeftPart(UriPartial.Authority).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
            app.Services.GetRequiredService<DevTokenIssuer>().Issuer = url;
            Log.Ready(startupLogger, url, upstreamUrl);
            Log.ThroughputBudget(startupLogger, commandLine.Throughput.Enabled ? "on" : "off (--no-partition-throughput)", commandLine.Throughput.WriteUnitsPerSecond, commandLine.Throughput.ReadUnitsPerSecond);
            Console.Out.WriteLine(ReadyLinePrefix + url);
            await Console.Out.FlushAsync(cancellationToken);

            var shutdown = app.WaitForShutdownAsync(cancellationToken);
            if (dynalite is not null && await Task.WhenAny(shutdown, dynalite.Exited) == dynalite.Exited)
            {
                // Without dynalite every DynamoDB request would fail: exit so whoever started LocalAws notices.
                var code = await dynalite.Exited;
                Log.DynaliteDied(startupLogger, dynalite.ProcessId, code);
                await Console.Error.WriteLineAsync(FormattableString.Invariant($"LocalAws: dynalite (pid {dynalite.ProcessId}) exited unexpectedly with code {code}; stopping."));
                await app.StopAsync(CancellationToken.None);
                return 1;
            }

            await shutdown;
        }

        return 0;
    }

    private static async Task WaitForUpstreamAsync(UpstreamDynamoDb upstream, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await upstream.IsReadyAsync(cancellationToken))
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new InvalidOperationException($"The DynamoDB upstream {upstream.BaseAddress} did not answer ListTables within 10 s.");
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapPost("/", async (HttpContext context, StsEndpoint sts, IamEndpoint iam, DynamoDbEndpoint dynamoDb, SsmEndpoint ssm) =>
        {
            if (DynamoDbEndpoint.IsDynamoDbRequest(context.Request))
            {
                await dynamoDb.HandleAsync(context);
            }
            else if (SsmEndpoint.IsSsmRequest(context.Request))
            {
                await ssm.HandleAsync(context);
            }
            else if (IamEndpoint.IsIamRequest(context.Request))
            {
                await iam.HandleAsync(context);
            }
            else if (StsEndpoint.IsStsRequest(context.Request))
            {
                await sts.HandleAsync(context);
            }
            else
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsJsonAsync(new { error = "LocalAws serves DynamoDB (X-Amz-Target: DynamoDB_20120810.*), SSM (X-Amz-Target: AmazonSSM.GetParameter(s)), IAM GetRole (form POST signed for iam) and STS (form POST) on POST /." });
            }
        });

        app.MapGet("/_localaws/health", (UpstreamDynamoDb upstream, CancellationToken ct) => HealthAsync(upstream, ct));
        app.MapGet("/.well-known/openid-configuration", (DevTokenIssuer issuer) => Results.Json(issuer.Discovery()));
        app.MapGet("/.well-known/jwks.json", (DevTokenIssuer issuer) => Results.Json(issuer.Jwks()));
        app.MapPost("/_localaws/tokens", (TokenRequest request, DevTokenIssuer issuer) =>
        {
            if (string.IsNullOrWhiteSpace(request.Sub))
            {
                return Results.BadRequest(new { error = "sub is required" });
            }

            var seconds = request.ExpiresInSeconds ?? request.TtlSeconds ?? 3600;
            var token = issuer.Mint(request.Sub, request.Audience, TimeSpan.FromSeconds(seconds), request.Claims);
            return Results.Json(new Dictionary<string, object> { ["access_token"] = token, ["token_type"] = "Bearer", ["expires_in"] = seconds });
        });
        app.MapPost("/_localaws/keys/rotate", (KeyRotationRequest? request, DevTokenIssuer issuer) =>
        {
            issuer.Rotate(request?.KeepPrevious ?? false);
            return Results.Json(new { kid = issuer.KeyId, jwks = issuer.PublishedKeyIds });
        });
        app.MapPost("/_localaws/faults", (JsonElement body, FaultInjector faults, ILogger<FaultInjector> logger) =>
        {
            // Accepts {"sts":"throttle","latencyMs":N,"durationSeconds":S} and {"sts":{"mode":"throttle","latencyMs":N}}.
            var spec = body.TryGetProperty("sts", out var sts) ? sts : default;
            var settings = spec.ValueKind == JsonValueKind.Object ? spec : body;
            var modeText = spec.ValueKind == JsonValueKind.String ? spec.GetString()
                : settings.ValueKind == JsonValueKind.Object && settings.TryGetProperty("mode", out var m) ? m.GetString() : null;
            if (!FaultInjector.TryParseMode(modeText, out var mode))
            {
                return Results.BadRequest(new { error = "sts must be one of none, throttle, error, unavailable, latency" });
            }

            var latency = Number(settings, "latencyMs") ?? Number(body, "latencyMs") ?? 0;
            var duration = Number(settings, "durationSeconds") ?? Number(body, "durationSeconds");
            faults.Set(mode, TimeSpan.FromMilliseconds(latency), duration is { } d ? TimeSpan.FromSeconds(d) : null);
            Log.FaultSet(logger, mode, latency, duration);
            return Results.Json(new { sts = mode.ToString().ToLowerInvariant(), latencyMs = latency, durationSeconds = duration });
        });
        app.MapDelete("/_localaws/faults", (FaultInjector faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });
        app.MapGet("/_localaws/stats", (LocalAwsStats stats) => Results.Json(stats.Snapshot()));
        app.MapPost("/_localaws/clock", (ClockRequest request, LocalClock clock) =>
        {
            var offset = clock.Advance(TimeSpan.FromSeconds(request.AdvanceSeconds));
            return Results.Json(new { offsetSeconds = offset.TotalSeconds, now = clock.GetUtcNow() });
        });
        app.MapDelete("/_localaws/clock", (LocalClock clock) =>
        {
            clock.Reset();
            return Results.NoContent();
        });
    }

    private static async Task<IResult> HealthAsync(UpstreamDynamoDb upstream, CancellationToken cancellationToken)
        => await upstream.IsReadyAsync(cancellationToken)
            ? Results.Json(new { status = "ok", dynamoDb = upstream.BaseAddress })
            : Results.Json(new { status = "unavailable" }, statusCode: 503);

    private static double? Number(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}

/// <summary>Body of <c>POST /_localaws/tokens</c>; <c>ttlSeconds</c> is accepted as an alias of <c>expiresInSeconds</c>.</summary>
internal sealed record TokenRequest(string? Sub, string? Audience, int? ExpiresInSeconds, int? TtlSeconds, Dictionary<string, JsonElement>? Claims);

/// <summary>Body of <c>POST /_localaws/keys/rotate</c> (optional): keep the previous key in the JWKS, or withdraw it (default).</summary>
internal sealed record KeyRotationRequest(bool? KeepPrevious);

/// <summary>Body of <c>POST /_localaws/clock</c>: moves the credential clock forward (or back, when negative).</summary>
internal sealed record ClockRequest(double AdvanceSeconds);
