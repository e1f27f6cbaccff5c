using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Transform;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Gateway.Isolation.Configuration;
using Gateway.Verification;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll verify [--organizations A,B] [--json FILE]</c>: proves isolation with the gateway's own configuration
/// and identity (same host setup as <see cref="PolicyCommand"/>, same credential issuer as the gateway) against the AWS
/// it points at, and prints one line per check. Before any check, <c>--json FILE</c> must be writable (else exit 2) and
/// every endpoint (STS, IAM, DynamoDB) must answer (else one line naming it, exit 1: nothing proven). Exit 0 all passed,
/// 1 any failed or an endpoint unreachable, 2 bad usage or configuration (one line).
/// </summary>
internal static class VerifyCommand
{
    public const int Failed = 1;
    public const int Usage = CliArguments.Usage;
    private const string UsageText = "usage: Gateway verify [--organizations A,B] [--json FILE]";

    /// <summary>How long each endpoint has to answer the reachability check before any probe.</summary>
    internal static readonly TimeSpan ReachabilityTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args, VerbHost host, TextWriter stdout, TextWriter stderr, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string organizationA = VerificationPlan.DefaultOrganizationA, organizationB = VerificationPlan.DefaultOrganizationB;
        if (CliArguments.TryRead("verify", args, UsageText, ["--organizations", "--json"], stdout, stderr, out var values) is { } exit)
        {
            return exit;
        }

        var json = values.GetValueOrDefault("--json");
        if (values.GetValueOrDefault("--organizations") is { } organizations)
        {
            var parts = organizations.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !OrganizationId.IsWellFormed(parts[0]) || !OrganizationId.IsWellFormed(parts[1]) || parts[0] == parts[1])
            {
                return CliArguments.Fail(stderr, $"verify: --organizations needs two distinct valid organization ids, e.g. zz-verify-a,zz-verify-b. {UsageText}");
            }

            (organizationA, organizationB) = (parts[0], parts[1]);
        }

        if (json is not null && CheckWritable(json) is { } unwritable)
        {
            return CliArguments.Fail(stderr, $"verify: cannot write --json {CliArguments.Truncate(json)} ({unwritable}); nothing was checked. Give a file in a writable directory (in a container with a read-only root filesystem: /tmp/verify.json).");
        }

        var configuration = PolicyCommand.LoadConfiguration(host.ContentRoot);
        using var services = PolicyCommand.BuildServices(configuration, host);
        VerificationPlan plan;
        VerificationRunner runner;
        try
        {
            var failures = GatewayConfiguration.ValidateAll(services);
            if (failures.Count > 0)
            {
                return CliArguments.Fail(stderr, $"verify: configuration is invalid ({configuration.DescribeSources()}): {string.Join(" | ", failures)}");
            }

            plan = VerificationPlan.Create(services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value, organizationA, organizationB);
            runner = services.GetRequiredService<VerificationRunner>();
        }
        catch (Exception ex) when (ex is InvalidOperationException or Isolation.GatewayStartupException)
        {
            return CliArguments.Fail(stderr, $"verify: {ex.Message}");
        }

        var endpoints = runner.Endpoints;
        if (await VerificationEndpoints.FindUnreachableAsync(endpoints, ReachabilityTimeout, cancellationToken).ConfigureAwait(false) is { } unreachable)
        {
            return CliArguments.Fail(stderr, $"verify: cannot reach {unreachable.Endpoint} ({unreachable.Cause}); nothing was checked, isolation is not proven. Point {unreachable.Endpoint.Setting} (environment: {unreachable.Endpoint.Setting.Replace(":", "__", StringComparison.Ordinal)}) at the running endpoint.", Failed);
        }

        var sts = endpoints.First(e => e.Service == "STS");
        if (await FindNotStsAsync(services.GetRequiredService<IAmazonSecurityTokenService>(), sts.Url, cancellationToken).ConfigureAwait(false) is { } notSts)
        {
            return CliArguments.Fail(stderr, $"verify: {notSts}; nothing was checked, isolation is not proven. Point {sts.Setting} (environment: {sts.Setting.Replace(":", "__", StringComparison.Ordinal)}) at the running STS endpoint.", Failed);
        }

        var startedAt = time.GetUtcNow();
        var report = await runner.RunAsync(plan, cancellationToken).ConfigureAwait(false);
        await WriteTableAsync(report, stdout).ConfigureAwait(false);
        if (json is not null)
        {
            try
            {
                await WriteJsonAsync(report, json, startedAt, endpoints, plan, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return CliArguments.Fail(stderr, $"verify: the checks ran ({report.Passed} passed, {report.Failed} failed) but --json {CliArguments.Truncate(json)} could not be written ({ex.GetType().Name}).");
            }
        }

        return report.Failed == 0 ? 0 : Failed;
    }

    /// <summary>Null when <paramref name="path"/> can be written (tried without changing an existing file), else why not.</summary>
    /// <summary>
    /// Asks the configured STS (with the gateway's own client and credentials) who the gateway is. Null when an AWS
    /// service answered: the identity, or an AWS error document (an error code such as InvalidClientTokenId, which the
    /// checks then report). Otherwise one cause naming the endpoint: an HTTP answer that is not AWS's (a web server's
    /// 404 or 501, a page that is not an STS response), or no answer within <see cref="ReachabilityTimeout"/>.
    /// </summary>
    internal static async Task<string?> FindNotStsAsync(IAmazonSecurityTokenService sts, Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sts);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ReachabilityTimeout);
        try
        {
            await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), deadline.Token).ConfigureAwait(false);
            return null;
        }
        catch (AmazonServiceException e) when (!string.IsNullOrEmpty(e.ErrorCode) && e is not AmazonUnmarshallingException)
        {
            return null; // STS answered with its own error (e.g. bad credentials): every check names it
        }
        catch (AmazonServiceException e)
        {
            return string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)e.StatusCode} from {url}: not an STS endpoint (GetCallerIdentity got no AWS error code{(e is AmazonUnmarshallingException ? " and an answer that is not an STS response" : string.Empty)})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return string.Create(CultureInfo.InvariantCulture, $"STS at {url} did not answer GetCallerIdentity within {ReachabilityTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or TimeoutException)
        {
            return $"STS at {url} failed GetCallerIdentity ({VerificationEndpoints.Cause(e)})";
        }
    }

    internal static string? CheckWritable(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                return "it is a directory";
            }

            if (File.Exists(path))
            {
                using var existing = new FileStream(path, FileMode.Open, FileAccess.Write);
                return null;
            }

            using (new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
            }

            File.Delete(path);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied";
        }
        catch (DirectoryNotFoundException)
        {
            return "no such directory";
        }
        catch (FileNotFoundException)
        {
            return "a file cannot be created there";
        }
        catch (IOException ex)
        {
            // Read-only file system, disk full…: the OS's own words, which name no secret.
            return ex.Message.ReplaceLineEndings(" ");
        }
    }

    private static async Task WriteTableAsync(VerificationReport report, TextWriter stdout)
    {
        var nameWidth = report.Checks.Max(c => c.Name.Length);
        var expectedWidth = Math.Max("expected".Length, report.Checks.Max(c => c.Expected.Length));
        var observedWidth = Math.Max("observed".Length, report.Checks.Max(c => c.Observed.Length));
        string Row(string name, string expected, string observed, string result)
            => $"{name.PadRight(nameWidth)}  {expected.PadRight(expectedWidth)}  {observed.PadRight(observedWidth)}  {result}";
        await stdout.WriteLineAsync(Row("check", "expected", "observed", "result")).ConfigureAwait(false);
        foreach (var check in report.Checks)
        {
            await stdout.WriteLineAsync(Row(check.Name, check.Expected, check.Observed, check.Passed ? "PASS" : "FAIL")).ConfigureAwait(false);
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{report.Passed} passed, {report.Failed} failed")).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(VerificationReport report, string path, DateTimeOffset startedAt, IReadOnlyList<VerificationEndpoint> endpoints, VerificationPlan plan, CancellationToken cancellationToken)
    {
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
        {
            var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            await using (writer.ConfigureAwait(false))
            {
                writer.WriteStartObject();
                writer.WriteString("timestamp", startedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                writer.WriteStartObject("endpoints");
                foreach (var endpoint in endpoints)
                {
                    writer.WriteString(endpoint.Service.ToLowerInvariant(), endpoint.Url.ToString());
                }

                writer.WriteEndObject();
                writer.WriteStartArray("organizations");
                foreach (var organization in plan.Organizations)
                {
                    writer.WriteStringValue(organization);
                }

                writer.WriteEndArray();
                writer.WriteStartObject("shardedOrganization");
                writer.WriteString("id", plan.ShardedOrganization);
                writer.WriteNumber("shards", plan.Shards.Value);
                writer.WriteEndObject();
                writer.WriteStartArray("checks");
                foreach (var check in report.Checks)
                {
                    check.WriteTo(writer);
                }

                writer.WriteEndArray();
                writer.WriteNumber("passed", report.Passed);
                writer.WriteNumber("failed", report.Failed);
                writer.WriteEndObject();
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
