// LocalAws benchmark: GetItem latency through LocalAws (SigV4 verify + analyze + evaluate + forward) vs directly
// against the same dynalite, in one run on one machine; then AssumeRole calls per second.
//   dotnet run -c Release --project tools/LocalAws.Bench -- [--requests 2000] [--rounds 5] [--assume 1000] [--concurrency 8] [--help]
// With --cold-rate N [--cold-seconds S (10)] [--cold-warm-up S (30): LocalAws's JIT tier-up, discarded] it runs only the cold path's dependency calls instead, open model at N new
// organizations a second: the gateway's two table reads side by side, one AssumeRole, then a new DynamoDB client with
// the session's credentials (one shared config, as Gateway.Backend) and its first Query through LocalAws.
using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Testing;

const string Usage = "usage: LocalAws.Bench [--requests N (2000)] [--rounds N (5)] [--assume N (1000)] [--concurrency N (8)] | --cold-rate N [--cold-seconds N (10)] [--cold-warm-up N (30)] [--help]";
var settings = new Dictionary<string, int>(StringComparer.Ordinal) { ["--requests"] = 2000, ["--rounds"] = 5, ["--assume"] = 1000, ["--concurrency"] = 8, ["--cold-rate"] = 0, ["--cold-seconds"] = 10, ["--cold-warm-up"] = 30 };
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "-h" or "--help")
    {
        Console.WriteLine(Usage);
        return 0;
    }

    if (!settings.ContainsKey(args[i]))
    {
        await Console.Error.WriteLineAsync($"LocalAws.Bench: unknown argument '{args[i]}'. {Usage}");
        return 2;
    }

    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
    {
        await Console.Error.WriteLineAsync($"LocalAws.Bench: {args[i]} needs a positive whole number. {Usage}");
        return 2;
    }

    settings[args[i]] = value;
    i++;
}

var requests = settings["--requests"];
var rounds = settings["--rounds"];
var assumeCalls = settings["--assume"];
var concurrency = settings["--concurrency"];

await using var aws = await LocalAwsHost.StartAsync();
var scope = new AwsScope { AccountId = LocalAwsHost.AccountId, Region = LocalAwsHost.Region };
var permissionSet = new PermissionSet
{
    Name = "read-write",
    Tables = [new TableAccess { TableName = "Applications", PartitionKey = "organizationId", Read = true, Write = true }],
};
var policy = new SessionPolicyBuilder(scope).Build(OrganizationId.Parse("acme"), permissionSet).Json;

using var sts = aws.CreateStsClient(aws.GatewayCredentials);
// As the gateway assumes the tenant role (its trust wants a SourceIdentity and the organization tag).
AssumeRoleRequest AssumeRequest(string sessionName, int durationSeconds) => new()
{
    RoleArn = LocalAwsHost.TenantRoleArn,
    RoleSessionName = sessionName,
    SourceIdentity = "tenant-gateway",
    Tags = [new Amazon.SecurityToken.Model.Tag { Key = SessionPolicyBuilder.OrganizationTagKey, Value = "acme" }],
    Policy = policy,
    DurationSeconds = durationSeconds,
};

var assumed = await sts.AssumeRoleAsync(AssumeRequest("bench", 3600));
var session = new SessionAWSCredentials(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);

using var viaLocalAws = aws.CreateDynamoDbClient(session);
using var direct = new AmazonDynamoDBClient(new BasicAWSCredentials("AKIABENCHDIRECT00000", "bench"), new AmazonDynamoDBConfig
{
    ServiceURL = aws.DynaliteUrl!.ToString(),
    AuthenticationRegion = LocalAwsHost.Region,
    MaxErrorRetry = 0,
});
var get = new GetItemRequest
{
    TableName = "Applications",
    Key = new() { ["organizationId"] = new AttributeValue { S = "acme" }, ["applicationId"] = new AttributeValue { S = "app-1001" } },
};

if (settings["--cold-rate"] > 0)
{
    await ColdPath.RunAsync(aws, sts, AssumeRequest, settings["--cold-rate"], settings["--cold-seconds"], settings["--cold-warm-up"]);
    return 0;
}

// Warm up both paths (JIT, connection pools, schema cache).
for (var i = 0; i < 300; i++)
{
    await viaLocalAws.GetItemAsync(get);
    await direct.GetItemAsync(get);
}

var front = new List<double>(requests * rounds);
var dynalite = new List<double>(requests * rounds);
var localAwsCpu = TimeSpan.Zero;
for (var round = 0; round < rounds; round++)
{
    await Measure(direct, dynalite);
    var cpuBefore = LocalAwsCpu();
    await Measure(viaLocalAws, front);
    localAwsCpu += LocalAwsCpu() - cpuBefore;
}

Report("GetItem direct to dynalite ", dynalite);
Report("GetItem via LocalAws       ", front);
var p50Delta = Percentile(front, 50) - Percentile(dynalite, 50);
var p99Delta = Percentile(front, 99) - Percentile(dynalite, 99);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LocalAws adds: p50 {p50Delta:F3} ms, p99 {p99Delta:F3} ms; ratio p50 {Percentile(front, 50) / Percentile(dynalite, 50):F2}x, p99 {Percentile(front, 99) / Percentile(dynalite, 99):F2}x"));

// CPU the LocalAws process itself spent per forwarded GetItem (SigV4 + analysis + evaluation + proxying): less
// sensitive than wall-clock percentiles to other load on a shared machine.
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LocalAws process CPU per GetItem: {localAwsCpu.TotalMicroseconds / front.Count:F0} µs"));

// Baseline: requests LocalAws rejects at the access-key lookup (no analysis, no forwarding): Kestrel + SDK framing.
using (var unknown = aws.CreateDynamoDbClient(new BasicAWSCredentials("AKIABENCHUNKNOWN0000", "x")))
{
    var cpuBefore = LocalAwsCpu();
    for (var i = 0; i < requests; i++)
    {
        try
        {
            await unknown.GetItemAsync(get);
        }
        catch (AmazonDynamoDBException)
        {
            // UnrecognizedClientException, as intended.
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LocalAws process CPU per rejected request (unknown key, no forwarding): {(LocalAwsCpu() - cpuBefore).TotalMicroseconds / requests:F0} µs"));
}

// AssumeRole throughput: sequential, then concurrent.
var assumeLatency = new List<double>(assumeCalls);
var watch = Stopwatch.StartNew();
for (var i = 0; i < assumeCalls; i++)
{
    var start = Stopwatch.GetTimestamp();
    await sts.AssumeRoleAsync(AssumeRequest("bench-" + (i % 50), 900));
    assumeLatency.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AssumeRole sequential: {assumeCalls / watch.Elapsed.TotalSeconds:F0}/s ({assumeCalls} calls)"));
Report("AssumeRole sequential      ", assumeLatency);
watch.Restart();
var next = 0;
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
{
    while (Interlocked.Increment(ref next) <= assumeCalls)
    {
        await sts.AssumeRoleAsync(AssumeRequest("bench-c", 900));
    }
}));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"AssumeRole concurrency {concurrency}: {assumeCalls / watch.Elapsed.TotalSeconds:F0}/s ({assumeCalls} calls)"));
return 0;

async Task Measure(AmazonDynamoDBClient client, List<double> samples)
{
    for (var i = 0; i < requests; i++)
    {
        var start = Stopwatch.GetTimestamp();
        var response = await client.GetItemAsync(get);
        samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        if (!response.IsItemSet)
        {
            throw new InvalidOperationException("GetItem returned no item.");
        }
    }
}

TimeSpan LocalAwsCpu()
{
    using var process = Process.GetProcessById(aws.ProcessId);
    return process.TotalProcessorTime;
}

static double Percentile(List<double> samples, double p)
{
    var sorted = samples.Order().ToArray();
    return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

static void Report(string name, List<double> samples)
    => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: n={samples.Count} p50 {Percentile(samples, 50):F3} ms  p90 {Percentile(samples, 90):F3} ms  p99 {Percentile(samples, 99):F3} ms  mean {samples.Average():F3} ms"));
