using System.Globalization;
using Yarp.ReverseProxy.Configuration;

// FrontDoor --port P --destinations http://127.0.0.1:5001,http://127.0.0.1:5002,...
// Every request goes round-robin to the next destination (YARP's RoundRobin policy); no affinity, no health filtering:
// a local stand-in for the load balancer in front of a gateway fleet, nothing more.
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
            Destinations = urls.Select((u, i) => (u, i)).ToDictionary(d => string.Create(CultureInfo.InvariantCulture, $"g{d.i + 1}"), d => new DestinationConfig { Address = d.u }),
        },
    ]);
var app = builder.Build();
app.MapReverseProxy();
await app.RunAsync();
return 0;
