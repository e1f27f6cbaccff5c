using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Gateway.Migration.Invocation;
using Gateway.Migration.Planning;
using Gateway.Migration.Sharding;

namespace Gateway.Migration.Validation;

/// <summary>
/// <c>validate [--organizations A,B | --all] --report FILE [--segments N]</c> (all organizations of the plan by default):
/// per organization, item count and order-independent content hash, legacy vs target, and the isolation check through
/// the tenant role with the organization's real session policy. Writes FILE.md and FILE.json; exit 1 on any mismatch or
/// isolation failure.
/// </summary>
internal static class ValidateCommand
{
    public const int Mismatch = 1;
    public static readonly string[] Options = ["--organizations", "--report", "--segments"];
    public static readonly string[] Flags = ["--all"];

    public static async Task<int> RunAsync(CommandLine line, IAmazonDynamoDB dynamoDb, TextWriter stdout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(stdout);
        var report = line.Required("--report");
        var segments = line.PositiveInt("--segments", 4);
        var plan = await MigrationPlan.ReadAsync(line.PlanPath, cancellationToken).ConfigureAwait(false);
        var organizations = plan.Select(line, allowAllByDefault: true);
        await ValidationState.ReadAsync(line.PlanPath, ValidationState.PlanIdOf(plan), cancellationToken).ConfigureAwait(false); // unreadable → bad input, before any work
        await Items.Tables.DescribeKeyAsync(dynamoDb, plan.SourceTable, cancellationToken).ConfigureAwait(false);
        await Items.Tables.DescribeKeyAsync(dynamoDb, plan.TargetTable, cancellationToken).ConfigureAwait(false);
        using var isolation = IsolationChecker.Create(line, plan);
        await ShardState.RequireUnshardedAsync("validate", dynamoDb, isolation.Options.Membership, organizations,
            o => $"validate compares legacy with the unsharded key {o} only (legacy has no shards) and would judge part of its items; nothing written (or leave it out with --organizations)", cancellationToken).ConfigureAwait(false);

        var started = Stopwatch.GetTimestamp();
        var results = await Validator.ValidateAsync(dynamoDb, plan, organizations, isolation, segments, cancellationToken).ConfigureAwait(false);
        var result = new ValidationReport(plan.SourceTable, plan.TargetTable, time.GetUtcNow(), Stopwatch.GetElapsedTime(started), results);
        await result.WriteAsync(report, cancellationToken).ConfigureAwait(false);
        await ValidationState.RecordAsync(line.PlanPath, ValidationState.PlanIdOf(plan), results, time.GetUtcNow(), cutover: false, cancellationToken).ConfigureAwait(false);

        var c = CultureInfo.InvariantCulture;
        foreach (var failed in results.Where(r => !r.Passed).Take(20))
        {
            await stdout.WriteLineAsync(string.Create(c, $"validate: {failed.OrganizationId}: {failed.Cause}")).ConfigureAwait(false);
        }

        var (markdown, json) = ValidationReport.Paths(report);
        await stdout.WriteLineAsync(string.Create(c,
            $"validate: {results.Count:N0} organizations, {results.Sum(r => r.LegacyItems):N0} legacy / {results.Sum(r => r.TargetItems):N0} target items; {result.Mismatches} content mismatches; isolation {results.Count - result.IsolationFailures}/{results.Count} passed (permission set {isolation.PermissionSetName}); {result.Duration.TotalSeconds:0.0} s; report {markdown}, {json}")).ConfigureAwait(false);
        return result.Passed ? 0 : Mismatch;
    }
}
