using System.Globalization;
using System.Text.Json;
using Gateway.Policies;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll audit --organization ORG [--from T] [--to T] FILE…</c>: a local stand-in for the SIEM query "every
/// access to organization ORG between T1 and T2". Reads the gateway's JSON console logs (one JSON object per line, the
/// production default), keeps the <c>Gateway.Audit</c> entries whose <c>State.organizationId</c> is exactly ORG and
/// whose <c>Timestamp</c> is in [<c>--from</c>, <c>--to</c>), and writes them unchanged to stdout, one per line, in input
/// order. Lines that are not JSON log entries (text output, start-up lines) are skipped and counted, and the summary
/// then says which format is needed. stderr gets one summary line. Exit 0 (also when nothing matched); files whose
/// lines are none of them a JSON log entry (a text log) → exit 2 and one line naming the format; bad input → exit 2
/// and one line on stderr.
/// </summary>
internal static class AuditCommand
{
    public const int Usage = CliArguments.Usage;
    private const string UsageText = "usage: Gateway audit --organization ORG [--from TIME] [--to TIME] FILE...";

    /// <summary>The format audit reads, quoted whenever it meets other lines.</summary>
    internal const string FormatNeeded = "audit reads the gateway's JSON console log, one JSON object per line (Logging__Console__FormatterName=json, the production default; ASPNETCORE_ENVIRONMENT=Local alone logs text)";

    public static int Run(string[] args, VerbHost host, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var files = new List<string>();
        if (CliArguments.TryRead("audit", args, UsageText, ["--organization", "--from", "--to"], stdout, stderr, out var values, files) is { } exit)
        {
            return exit;
        }

        var organization = values.GetValueOrDefault("--organization");
        DateTimeOffset? from = null, to = null;
        foreach (var name in new[] { "--from", "--to" })
        {
            if (values.GetValueOrDefault(name) is not { } value)
            {
                continue;
            }

            if (!TryParseTime(value, out var time))
            {
                return CliArguments.Fail(stderr, $"audit: {name} '{CliArguments.Truncate(value)}' is not a time (ISO 8601, e.g. 2026-03-01 or 2026-03-01T12:00:00Z; UTC unless an offset is given).");
            }

            if (name == "--from")
            {
                from = time;
            }
            else
            {
                to = time;
            }
        }

        if (organization is null || files.Count == 0)
        {
            return CliArguments.Fail(stderr, $"audit: --organization and at least one FILE are required. {UsageText}");
        }

        if (!OrganizationId.IsWellFormed(organization))
        {
            return CliArguments.Fail(stderr, $"audit: '{CliArguments.Truncate(organization)}' is not a valid organization id ({CliArguments.OrganizationIdRule}).");
        }

        if (from is { } f && to is { } t && f >= t)
        {
            return CliArguments.Fail(stderr, "audit: --from must be before --to.");
        }

        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                return CliArguments.Fail(stderr, $"audit: file '{CliArguments.Truncate(file)}' does not exist.");
            }
        }

        var filter = new AuditFilter(host, organization, from, to);
        long read = 0, skipped = 0, matched = 0, undated = 0;
        foreach (var file in files)
        {
            foreach (var line in File.ReadLines(file))
            {
                read++;
                switch (filter.Match(line))
                {
                    case AuditFilter.Result.Match:
                        matched++;
                        stdout.WriteLine(line);
                        break;
                    case AuditFilter.Result.NotAnEntry:
                        skipped++;
                        break;
                    case AuditFilter.Result.Undated:
                        undated++;
                        break;
                }
            }
        }

        var range = (from, to) switch
        {
            (null, null) => "any time",
            _ => $"[{from?.ToString("O", CultureInfo.InvariantCulture) ?? "-∞"}, {to?.ToString("O", CultureInfo.InvariantCulture) ?? "∞"})",
        };
        if (read > 0 && skipped == read)
        {
            return CliArguments.Fail(stderr, string.Create(CultureInfo.InvariantCulture, $"audit: none of the {read} line(s) in {string.Join(", ", files.Select(f => CliArguments.Truncate(f)))} is a JSON log entry, so no audit event can be found; {FormatNeeded}."));
        }

        var format = skipped == 0 ? string.Empty : $" (skipped: {FormatNeeded})";
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audit: {matched} event(s) for organization {organization} at {range}; {read} line(s) read from {files.Count} file(s), {skipped} not JSON log entries{format}, {undated} without a timestamp excluded by the time range"));
        return 0;
    }

    internal static bool TryParseTime(string value, out DateTimeOffset time)
        => DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);



    /// <summary>Decides for one log line whether it is an audit event of the organization inside the time range.</summary>
    internal sealed class AuditFilter(VerbHost host, string organization, DateTimeOffset? from, DateTimeOffset? to)
    {
        internal enum Result
        {
            Match,
            Other,
            NotAnEntry,
            Undated,
        }

        public Result Match(string line)
        {
            if (line.Length == 0 || line[0] != '{')
            {
                return Result.NotAnEntry;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Category", out var category))
                {
                    return Result.NotAnEntry;
                }

                if (category.ValueKind != JsonValueKind.String || category.GetString() != host.AuditCategory
                    || !root.TryGetProperty("State", out var state) || state.ValueKind != JsonValueKind.Object
                    || !state.TryGetProperty(host.AuditOrganizationField, out var org) || org.ValueKind != JsonValueKind.String
                    || !string.Equals(org.GetString(), organization, StringComparison.Ordinal))
                {
                    return Result.Other;
                }

                if (from is null && to is null)
                {
                    return Result.Match;
                }

                if (!root.TryGetProperty("Timestamp", out var timestamp) || timestamp.ValueKind != JsonValueKind.String
                    || !TryParseTime(timestamp.GetString()!, out var at))
                {
                    return Result.Undated;
                }

                return (from is null || at >= from) && (to is null || at < to) ? Result.Match : Result.Other;
            }
            catch (JsonException)
            {
                return Result.NotAnEntry;
            }
        }
    }
}
