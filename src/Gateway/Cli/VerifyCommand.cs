using System.Globalization;
using System.Text.Json;
using Gateway.Configuration;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Verification;
using Gateway.Policies;
using Microsoft.Extensions.Options;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll verify [--organizations A,B] [--json FILE]</c>: proves isolation with the gateway's own configuration
/// and identity (same host setup as <see cref="PolicyCommand"/>, same credential issuer as the gateway) against the AWS
/// it points at, and prints one line per check. Exit 0 all passed, 1 any failed, 2 bad usage or configuration (one line).
/// </summary>
internal static class VerifyCommand
{
    public const int Failed = 1;
    public const int Usage = CliArguments.Usage;
    private const string UsageText = "usage: Gateway verify [--organizations A,B] [--json FILE]";

    public static async Task<int> RunAsync(string[] args, string contentRoot, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string organizationA = VerificationPlan.DefaultOrganizationA, organizationB = VerificationPlan.DefaultOrganizationB;
        string? json = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                await stdout.WriteLineAsync(UsageText).ConfigureAwait(false);
                return 0;
            }

            if (name is not ("--organizations" or "--json"))
            {
                return CliArguments.Fail(stderr, $"verify: unknown argument '{CliArguments.Truncate(name)}'. {UsageText}");
            }

            if (i + 1 >= args.Length)
            {
                return CliArguments.Fail(stderr, $"verify: {name} needs a value. {UsageText}");
            }

            var value = args[++i];
            if (name == "--json")
            {
                json = value;
                continue;
            }

            var parts = value.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !OrganizationId.IsWellFormed(parts[0]) || !OrganizationId.IsWellFormed(parts[1]) || parts[0] == parts[1])
            {
                return CliArguments.Fail(stderr, $"verify: --organizations needs two distinct valid organization ids, e.g. zz-verify-a,zz-verify-b. {UsageText}");
            }

            (organizationA, organizationB) = (parts[0], parts[1]);
        }

        using var host = PolicyCommand.BuildHost(contentRoot);
        VerificationPlan plan;
        VerificationRunner runner;
        try
        {
            var failures = new List<string>();
            PolicyCommand.Collect<TenantIsolationOptions>(host.Services, failures);
            PolicyCommand.Collect<ForwardingOptions>(host.Services, failures);
            PolicyCommand.Collect<EnvelopeOptions>(host.Services, failures);
            if (failures.Count > 0)
            {
                return CliArguments.Fail(stderr, $"verify: configuration is invalid ({PolicyCommand.DescribeSources(contentRoot)}): {string.Join(" | ", failures)}");
            }

            plan = VerificationPlan.Create(host.Services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value, organizationA, organizationB);
            runner = host.Services.GetRequiredService<VerificationRunner>();
        }
        catch (Exception ex) when (ex is InvalidOperationException or Isolation.GatewayStartupException)
        {
            return CliArguments.Fail(stderr, $"verify: {ex.Message}");
        }

        var report = await runner.RunAsync(plan, cancellationToken).ConfigureAwait(false);
        await WriteTableAsync(report, stdout).ConfigureAwait(false);
        if (json is not null)
        {
            await WriteJsonAsync(report, json, cancellationToken).ConfigureAwait(false);
        }

        return report.Failed == 0 ? 0 : Failed;
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

    private static async Task WriteJsonAsync(VerificationReport report, string path, CancellationToken cancellationToken)
    {
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
        {
            var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            await using (writer.ConfigureAwait(false))
            {
                writer.WriteStartObject();
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
