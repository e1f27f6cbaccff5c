using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gateway.Migration.Validation;

/// <summary>The validation report, written as Markdown and JSON (same content).</summary>
internal sealed record ValidationReport(string SourceTable, string TargetTable, DateTimeOffset CreatedAt, TimeSpan Duration, IReadOnlyList<OrganizationValidation> Organizations)
{
    public int Mismatches => Organizations.Count(o => !o.ContentMatches);

    public int IsolationFailures => Organizations.Count(o => o.Isolation is not { Passed: true });

    public bool Passed => Mismatches == 0 && IsolationFailures == 0;

    /// <summary>The two paths for <c>--report FILE</c>: FILE with extension .md and .json (FILE's own extension replaced).</summary>
    public static (string Markdown, string Json) Paths(string report)
    {
        var stem = Path.GetExtension(report) is ".md" or ".json" ? Path.ChangeExtension(report, null) : report;
        return (stem + ".md", stem + ".json");
    }

    public async Task WriteAsync(string report, CancellationToken cancellationToken)
    {
        var (markdown, json) = Paths(report);
        await File.WriteAllTextAsync(markdown, ToMarkdown(), cancellationToken).ConfigureAwait(false);
        var stream = File.Create(json);
        await using (stream.ConfigureAwait(false))
        {
            var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            await using (writer.ConfigureAwait(false))
            {
                WriteJson(writer);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("sourceTable", SourceTable);
        writer.WriteString("targetTable", TargetTable);
        writer.WriteString("createdAt", CreatedAt);
        writer.WriteNumber("durationSeconds", Math.Round(Duration.TotalSeconds, 1));
        writer.WriteNumber("organizations", Organizations.Count);
        writer.WriteNumber("mismatches", Mismatches);
        writer.WriteNumber("isolationFailures", IsolationFailures);
        writer.WriteBoolean("passed", Passed);
        writer.WriteStartArray("results");
        foreach (var o in Organizations)
        {
            writer.WriteStartObject();
            writer.WriteString("organizationId", o.OrganizationId);
            writer.WriteNumber("legacyItems", o.LegacyItems);
            writer.WriteNumber("targetItems", o.TargetItems);
            writer.WriteString("legacyHash", o.LegacyHash);
            writer.WriteString("targetHash", o.TargetHash);
            writer.WriteBoolean("contentMatches", o.ContentMatches);
            writer.WriteNumber("missingInTarget", o.MissingInTarget);
            writer.WriteNumber("onlyInTarget", o.OnlyInTarget);
            writer.WriteNumber("changed", o.Changed);
            writer.WriteStartArray("differingKeys");
            foreach (var key in o.DifferingKeys)
            {
                writer.WriteStringValue(key);
            }

            writer.WriteEndArray();
            writer.WriteStartObject("isolation");
            writer.WriteString("permissionSet", o.Isolation?.PermissionSet);
            writer.WriteString("session", o.Isolation?.SessionName);
            writer.WriteBoolean("passed", o.Isolation is { Passed: true });
            writer.WriteStartArray("checks");
            foreach (var check in o.Isolation?.Checks ?? [])
            {
                check.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteBoolean("passed", o.Passed);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Migration validation: {SourceTable} → {TargetTable}");
        md.AppendLine();
        md.AppendLine(c, $"{CreatedAt:u}, {Duration.TotalSeconds:0.0} s. **{(Passed ? "PASSED" : "FAILED")}**: {Organizations.Count} organizations, {Mismatches} content mismatches (legacy and target differ), {IsolationFailures} isolation failures (the scoped session saw other than the target holds, or reached a neighbour).");
        md.AppendLine();
        var failed = Organizations.Where(o => !o.Passed).ToList();
        if (failed.Count > 0)
        {
            md.AppendLine("## Failures");
            md.AppendLine();
            foreach (var o in failed)
            {
                md.AppendLine(c, $"### {o.OrganizationId}");
                md.AppendLine();
                md.AppendLine(c, $"- {o.Cause}");
                md.AppendLine(c, $"- items legacy {o.LegacyItems}, target {o.TargetItems}; hash legacy `{o.LegacyHash}`, target `{o.TargetHash}`{(o.ContentMatches ? " (match)" : " (**mismatch**)")}");
                foreach (var key in o.DifferingKeys)
                {
                    md.AppendLine(c, $"- differs: `{key}`");
                }

                foreach (var check in o.Isolation?.Checks.Where(k => !k.Passed) ?? [])
                {
                    md.AppendLine(c, $"- isolation: {check.Name}: expected {check.Expected}, observed {check.Observed}");
                }

                md.AppendLine();
            }
        }

        md.AppendLine("## Organizations");
        md.AppendLine();
        md.AppendLine("| organization | legacy items | target items | content | isolation (session) | result |");
        md.AppendLine("|---|---:|---:|---|---|---|");
        foreach (var o in Organizations)
        {
            md.AppendLine(c, $"| {o.OrganizationId} | {o.LegacyItems} | {o.TargetItems} | {(o.ContentMatches ? "match" : "MISMATCH")} | {(o.Isolation is { Passed: true } ? "pass" : "FAIL")} ({o.Isolation?.PermissionSet}) | {(o.Passed ? "PASS" : "FAIL")} |");
        }

        return md.ToString();
    }
}
