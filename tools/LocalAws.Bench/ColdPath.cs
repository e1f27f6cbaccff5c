using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Testing;

/// <summary>
/// The cold path's calls outside the gateway and the backend, at the load test's rate: per new organization the gateway's
/// organization and membership reads side by side (one shared client with the gateway's credentials), one AssumeRole,
/// then what Gateway.Backend does with a credential set it has not seen — a new <see cref="AmazonDynamoDBClient"/> on one
/// shared config — and its first Query through LocalAws. Open model: a new organization every 1/rate s whatever the
/// answers. The p50 of the sum is the floor the dependencies (and the SDK in a client process) set for the cold p50.
/// </summary>
internal static class ColdPath
{
    public static async Task RunAsync(LocalAwsHost aws, AmazonSecurityTokenServiceClient sts, Func<string, int, AssumeRoleRequest> assumeRequest, int rate, int seconds, int warmUpSeconds)
    {
        using var gateway = aws.CreateDynamoDbClient(aws.GatewayCredentials);
        var backendConfig = new AmazonDynamoDBConfig { ServiceURL = aws.Url.ToString(), AuthenticationRegion = LocalAwsHost.Region, MaxErrorRetry = 0 };
        var organization = new GetItemRequest { TableName = "Organizations", Key = new() { ["organizationId"] = new AttributeValue { S = "acme" } } };
        var membership = new GetItemRequest
        {
            TableName = "OrganizationUsers",
            Key = new() { ["userId"] = new AttributeValue { S = "bench-user" }, ["organizationId"] = new AttributeValue { S = "acme" } },
        };
        var query = new QueryRequest
        {
            TableName = "Applications",
            KeyConditionExpression = "organizationId = :o",
            ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = "acme" } },
            Limit = 25,
        };

        async Task<double[]> OneAsync(int i)
        {
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(gateway.GetItemAsync(organization), gateway.GetItemAsync(membership)).ConfigureAwait(false);
            var reads = Stopwatch.GetTimestamp();
            var assumed = await sts.AssumeRoleAsync(assumeRequest("cold-" + i.ToString(CultureInfo.InvariantCulture), 900)).ConfigureAwait(false);
            var minted = Stopwatch.GetTimestamp();
            var credentials = new SessionAWSCredentials(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
            using var client = new AmazonDynamoDBClient(credentials, backendConfig);
            var created = Stopwatch.GetTimestamp();
            await client.QueryAsync(query).ConfigureAwait(false);
            var end = Stopwatch.GetTimestamp();
            return
            [
                Stopwatch.GetElapsedTime(start, end).TotalMilliseconds,
                Stopwatch.GetElapsedTime(start, reads).TotalMilliseconds,
                Stopwatch.GetElapsedTime(reads, minted).TotalMilliseconds,
                Stopwatch.GetElapsedTime(minted, created).TotalMilliseconds,
                Stopwatch.GetElapsedTime(created, end).TotalMilliseconds,
            ];
        }

        // Warm-up at the rate, discarded: pools, caches and the JIT — LocalAws and this process tier up for tens of seconds
        // on 2 busy cores, and a shorter warm-up measures that (2 s: p50 48 ms at 100/s, LocalAws 5 ms CPU per organization).
        await RunOpenAsync(rate, warmUpSeconds, OneAsync, 1_000_000).ConfigureAwait(false);
        var cpu = Cpu(aws.ProcessId);
        var dynaliteCpu = aws.DynaliteProcessId is { } d ? Cpu(d) : TimeSpan.Zero;
        var own = Cpu(Environment.ProcessId);
        var watch = Stopwatch.StartNew();
        var results = await RunOpenAsync(rate, seconds, OneAsync, 0).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        var localAwsCpu = Cpu(aws.ProcessId) - cpu;
        var dynaliteUsed = aws.DynaliteProcessId is { } d2 ? Cpu(d2) - dynaliteCpu : TimeSpan.Zero;
        var ownCpu = Cpu(Environment.ProcessId) - own;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Cold path's dependency calls, open model at {rate}/s for {seconds} s after {warmUpSeconds} s of warm-up: {results.Count} organizations in {elapsed.TotalSeconds:F1} s"));
        string[] names = ["whole (reads + AssumeRole + new client + first Query)", "  two reads side by side (gateway credentials)", "  AssumeRole (new session, session policy)", "  new AmazonDynamoDBClient (shared config)", "  first Query with the new session"];
        for (var part = 0; part < names.Length; part++)
        {
            var samples = results.Select(r => r[part]).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[part],-56}: p50 {Percentile(samples, 50):F3} ms  p90 {Percentile(samples, 90):F3} ms  p99 {Percentile(samples, 99):F3} ms  mean {samples.Average():F3} ms"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU per organization: LocalAws {localAwsCpu.TotalMicroseconds / results.Count:F0} µs, dynalite {dynaliteUsed.TotalMicroseconds / results.Count:F0} µs, this client {ownCpu.TotalMicroseconds / results.Count:F0} µs"));
    }

    private static async Task<List<double[]>> RunOpenAsync(int rate, int seconds, Func<int, Task<double[]>> one, int offset)
    {
        var total = rate * seconds;
        var tasks = new List<Task<double[]>>(total);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait).ConfigureAwait(false);
            }

            var n = offset + i;
            tasks.Add(Task.Run(() => one(n)));
        }

        return [.. await Task.WhenAll(tasks).ConfigureAwait(false)];
    }

    private static TimeSpan Cpu(int processId)
    {
        using var process = Process.GetProcessById(processId);
        return process.TotalProcessorTime;
    }

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
