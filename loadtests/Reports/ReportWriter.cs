using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadTests.Reports;

/// <summary>Writes report.md, report.json and report.html (self-contained, inline SVG plots) into a directory.</summary>
internal static class ReportWriter
{
    public const string MarkdownFile = "report.md";
    public const string JsonFile = "report.json";
    public const string HtmlFile = "report.html";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task<IReadOnlyList<string>> WriteAsync(RunReport report, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        var files = new List<string>
        {
            Path.Combine(directory, MarkdownFile),
            Path.Combine(directory, JsonFile),
            Path.Combine(directory, HtmlFile),
        };
        await File.WriteAllTextAsync(files[0], MarkdownReport.Render(report), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(files[1], JsonSerializer.Serialize(report, JsonOptions), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(files[2], HtmlReport.Render(report), cancellationToken).ConfigureAwait(false);
        return files;
    }
}
