using System.Globalization;
using FrontDoor;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

// FrontDoor --port P --destinations http://127.0.0.1:5001,http://127.0.0.1:5002,...
// A local stand-in for the load balancer in front of a gateway fleet: round-robin (YARP's RoundRobin policy), no
// affinity, and what a real load balancer does when an instance stops:
// - active health checks: GET /readyz on every destination every second (1 s timeout); one failure takes it out of
//   rotation, one success puts it back;
// - passive health checks: a destination whose requests fail at the transport level is taken out at once for 5 s;
// - retries (RetryMiddleware): an idempotent request without a body that an instance refused or reset before any
//   response byte is sent again to another instance.
string? port = null, destinations = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = args[i + 1]; break;
        case "--destinations": destinations = args[i + 1]; break;
        default: break;
    }
}

var urls = (destinations ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var listen) || urls.Length == 0
    || urls.Any(u => !Uri.TryCreate(u, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
{
    await Console.Error.WriteLineAsync("usage: FrontDoor --port PORT --destinations URL[,URL...]");
    return 2;
}

var builder = WebApplication.CreateBuilder();
builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{listen}"));
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "gateways", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [
        new ClusterConfig
        {
            ClusterId = "gateways",
            LoadBalancingPolicy = "RoundRobin",
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = FrontDoorDefaults.ActiveInterval,
                    Timeout = FrontDoorDefaults.ActiveTimeout,
                    Policy = "ConsecutiveFailures",
                    Path = "/readyz",
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = "TransportFailureRate",
                    ReactivationPeriod = FrontDoorDefaults.PassiveReactivation,
                },
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
            },
            Metadata = new Dictionary<string, string>
            {
                // One failed probe is enough: the retries cover the requests in between.
                [ConsecutiveFailuresHealthPolicyOptions.ThresholdMetadataName] = "1",
                // React to the first transport failures instead of waiting for 10 requests in a 60 s window.
                [TransportFailureRateHealthPolicyOptions.FailureRateLimitMetadataName] = "0.01",
            },
            Destinations = urls.Select((u, i) => (u, i)).ToDictionary(d => string.Create(CultureInfo.InvariantCulture, $"g{d.i + 1}"), d => new DestinationConfig { Address = d.u }),
        },
    ]);
builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(o => o.MinimalTotalCountThreshold = 1);
var app = builder.Build();
app.MapReverseProxy(proxy =>
{
    proxy.UseMiddleware<RetryMiddleware>();
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
});
await app.RunAsync();
return 0;
