using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// The full-size check against real processes (LocalAws + dynalite, the migration as its own process): 50,000
/// legacy items over 500 organizations plus 20 unassignable ones. plan counts exactly and quarantines the 20; copy is
/// killed (the process, not a hook) half way and re-run, ending with exact per-organization counts and no duplicates;
/// validate reports 0 mismatches and 500/500 isolation checks (exit 0); one corrupted target item is reported under its
/// organization (exit 1). Durations and throughput are written to the test output (measurements, never asserted).
/// </summary>
[Trait("Category", "MigrationFullSize")]
public sealed class FullSizeMigrationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Organizations = 500;
    private const int PerOrganization = 100;
    private LocalAwsHost _aws = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _aws = await LocalAwsHost.StartAsync(new LocalAwsHostOptions { Seed = false });
        _work = Directory.CreateTempSubdirectory("migration-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _aws.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task FiftyThousandItems_PlanCopyKilledAndResumedValidate_ExactAndIsolated()
    {
        using var admin = _aws.CreateDynamoDbClient(_aws.AdminCredentials, c => c.MaxErrorRetry = 3);
        var clock = Stopwatch.StartNew();
        await LegacyData.CreateAsync(admin, Organizations, PerOrganization);
        output.WriteLine($"seeded {Organizations * PerOrganization + LegacyData.Unassignable} legacy items in {clock.Elapsed.TotalSeconds:0.0} s");
        var migration = new MigrationRunner(_aws, _work);

        // plan
        clock.Restart();
        var plan = await migration.RunAsync("plan", "--source", LegacyData.Table, "--target", "Applications", "--organization-attribute", LegacyData.OrganizationAttribute);
        output.WriteLine($"plan: {clock.Elapsed.TotalSeconds:0.0} s (process included)\n{plan.StandardOutput}");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "plan.json"))))
        {
            var organizations = json.RootElement.GetProperty("organizations");
            Assert.Equal(Organizations, organizations.EnumerateObject().Count());
            Assert.All(organizations.EnumerateObject(), o => Assert.Equal(PerOrganization, o.Value.GetInt64()));
            Assert.Equal(Organizations * PerOrganization, json.RootElement.GetProperty("assignedItems").GetInt64());
            var quarantine = json.RootElement.GetProperty("quarantine").EnumerateArray().ToList();
            Assert.Equal(LegacyData.Unassignable, quarantine.Count);
            Assert.All(quarantine, q => Assert.StartsWith("applicationId=S\"orphan-", q.GetProperty("key").GetString(), StringComparison.Ordinal));
            Assert.Equal(8, quarantine.Count(q => q.GetProperty("reason").GetString() == "organization attribute missing"));
            Assert.Equal(6, quarantine.Count(q => q.GetProperty("reason").GetString() == "not a valid OrganizationId"));
            Assert.Equal(6, quarantine.Count(q => q.GetProperty("reason").GetString() == "several organization values"));
        }

        // copy, killed half way (a real process kill), then run again to completion
        var checkpoint = Path.Combine(_work, "copy.checkpoint");
        clock.Restart();
        long copiedAtKill;
        await using (var first = await migration.StartAsync("copy", "--all", "--checkpoint", checkpoint, "--page-size", "500"))
        {
            copiedAtKill = await WaitForCopiedAsync(checkpoint, Organizations * PerOrganization / 3, first);
        }

        output.WriteLine($"copy killed after {clock.Elapsed.TotalSeconds:0.0} s with {copiedAtKill} items checkpointed");
        Assert.InRange(copiedAtKill, 1, Organizations * PerOrganization - 1);
        var resumed = await migration.RunAsync("copy", "--all", "--checkpoint", checkpoint, "--page-size", "500");
        output.WriteLine(resumed.StandardOutput);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("copy: resuming from", resumed.StandardOutput, StringComparison.Ordinal);

        // exact per-organization counts in the target, no duplicates, no quarantined item
        var counts = await CountTargetAsync(admin);
        Assert.Equal(Organizations, counts.Count);
        Assert.All(counts, c => Assert.Equal(PerOrganization, c.Value));

        // validate: 0 mismatches, every isolation check passes
        clock.Restart();
        var validate = await migration.RunAsync("validate", "--report", "validation.md");
        output.WriteLine($"validate: {clock.Elapsed.TotalSeconds:0.0} s (process included)\n{validate.StandardOutput}");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        using (var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "validation.json"))))
        {
            Assert.Equal(0, report.RootElement.GetProperty("mismatches").GetInt32());
            Assert.Equal(0, report.RootElement.GetProperty("isolationFailures").GetInt32());
            var results = report.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(Organizations, results.Count);
            Assert.All(results, r => Assert.Equal(3, r.GetProperty("isolation").GetProperty("checks").EnumerateArray().Count(c => c.GetProperty("passed").GetBoolean())));
            Assert.All(results, r => Assert.Contains("AccessDenied", r.GetProperty("isolation").GetProperty("checks")[1].GetProperty("observed").GetString(), StringComparison.Ordinal));
        }

        Assert.Contains("PASSED", await File.ReadAllTextAsync(Path.Combine(_work, "validation.md")), StringComparison.Ordinal);

        // one corrupted target item: reported under its organization, exit 1
        var victim = LegacyData.Organization(137);
        await admin.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Applications",
            Key = new() { ["organizationId"] = new(victim), ["applicationId"] = new("app-0137-0042") },
            UpdateExpression = "SET #n = :n",
            ExpressionAttributeNames = new() { ["#n"] = "name" },
            ExpressionAttributeValues = new() { [":n"] = new("tampered") },
        });
        var corrupted = await migration.RunAsync("validate", "--report", "corrupted.md");
        Assert.True(corrupted.ExitCode == 1, corrupted.ToString());
        Assert.Contains($"validate: {victim}: content mismatch: legacy 100 items, target 100: 1 with different content", corrupted.StandardOutput, StringComparison.Ordinal);
        using (var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "corrupted.json"))))
        {
            Assert.Equal(1, report.RootElement.GetProperty("mismatches").GetInt32());
            Assert.Equal(0, report.RootElement.GetProperty("isolationFailures").GetInt32()); // a content mismatch is not an isolation failure
            var bad = Assert.Single(report.RootElement.GetProperty("results").EnumerateArray(), r => !r.GetProperty("contentMatches").GetBoolean());
            Assert.Equal(victim, bad.GetProperty("organizationId").GetString());
            Assert.Contains("app-0137-0042", bad.GetProperty("differingKeys")[0].GetString(), StringComparison.Ordinal);
        }

        Assert.Contains($"### {victim}", await File.ReadAllTextAsync(Path.Combine(_work, "corrupted.md")), StringComparison.Ordinal);
    }

    private static async Task<long> WaitForCopiedAsync(string checkpoint, long atLeast, ProcessHost process)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            Assert.False(process.HasExited, "copy finished before it could be killed: " + process.Output);
            if (File.Exists(checkpoint))
            {
                try
                {
                    using var json = JsonDocument.Parse(await File.ReadAllTextAsync(checkpoint));
                    var copied = json.RootElement.GetProperty("copied").GetInt64();
                    if (copied >= atLeast)
                    {
                        return copied;
                    }
                }
                catch (IOException)
                {
                    // being replaced; read again
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("copy made no progress: " + process.Output);
    }

    private static async Task<Dictionary<string, int>> CountTargetAsync(Amazon.DynamoDBv2.AmazonDynamoDBClient admin)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var request = new ScanRequest { TableName = "Applications", ConsistentRead = true };
        do
        {
            var page = await admin.ScanAsync(request);
            foreach (var item in page.Items)
            {
                Assert.DoesNotContain("orphan", item["applicationId"].S, StringComparison.Ordinal);
                Assert.True(keys.Add(item["organizationId"].S + "/" + item["applicationId"].S), "duplicate target key");
                counts[item["organizationId"].S] = counts.GetValueOrDefault(item["organizationId"].S) + 1;
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (request.ExclusiveStartKey is not null);
        return counts;
    }
}
