using System.Globalization;
using System.Net;
using System.Text;

namespace Gateway.Cli;

/// <summary>
/// A small document model (sections of paragraphs, bullet lists, tables and code blocks) rendered twice: as one
/// self-contained, well-formed HTML file (inline CSS, no scripts, no external resources; every value HTML-encoded) and as
/// Markdown. Used by <see cref="ReportCommand"/>.
/// </summary>
internal sealed class EvidenceDocument(string title)
{
    private readonly List<Section> _sections = [];

    public string Title { get; } = title;

    public IReadOnlyList<Section> Sections => _sections;

    public Section Add(string id, string title)
    {
        var section = new Section(id, title);
        _sections.Add(section);
        return section;
    }

    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n<title>").Append(Encode(Title)).Append("</title>\n")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse;margin:1em 0}")
            .Append("th,td{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#eee}")
            .Append("pre{background:#f6f6f6;padding:1em;overflow-x:auto}code{font-family:ui-monospace,monospace}</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Encode(Title)).Append("</h1>\n<nav>\n<ol>\n");
        foreach (var section in _sections)
        {
            html.Append("<li><a href=\"#").Append(Encode(section.Id)).Append("\">").Append(Encode(section.Title)).Append("</a></li>\n");
        }

        html.Append("</ol>\n</nav>\n");
        foreach (var section in _sections)
        {
            html.Append("<section id=\"").Append(Encode(section.Id)).Append("\">\n<h2>").Append(Encode(section.Title)).Append("</h2>\n");
            foreach (var block in section.Blocks)
            {
                switch (block)
                {
                    case Heading h:
                        html.Append("<h3>").Append(Encode(h.Text)).Append("</h3>\n");
                        break;
                    case Paragraph p:
                        html.Append("<p>").Append(Encode(p.Text)).Append("</p>\n");
                        break;
                    case Bullets b:
                        html.Append("<ul>\n");
                        foreach (var item in b.Items)
                        {
                            html.Append("<li>").Append(Encode(item)).Append("</li>\n");
                        }

                        html.Append("</ul>\n");
                        break;
                    case Table t:
                        html.Append("<table>\n<thead>\n<tr>");
                        foreach (var header in t.Headers)
                        {
                            html.Append("<th>").Append(Encode(header)).Append("</th>");
                        }

                        html.Append("</tr>\n</thead>\n<tbody>\n");
                        foreach (var row in t.Rows)
                        {
                            html.Append("<tr>");
                            foreach (var cell in row)
                            {
                                html.Append("<td>").Append(Encode(cell)).Append("</td>");
                            }

                            html.Append("</tr>\n");
                        }

                        html.Append("</tbody>\n</table>\n");
                        break;
                    case Code c:
                        html.Append("<pre><code>").Append(Encode(c.Text)).Append("</code></pre>\n");
                        break;
                }
            }

            html.Append("</section>\n");
        }

        return html.Append("</body>\n</html>\n").ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder().Append("# ").Append(Text(Title)).Append("\n\n");
        for (var i = 0; i < _sections.Count; i++)
        {
            md.Append(CultureInfo.InvariantCulture, $"{i + 1}. [{Text(_sections[i].Title)}](#{_sections[i].Id})\n");
        }

        foreach (var section in _sections)
        {
            md.Append("\n<a id=\"").Append(section.Id).Append("\"></a>\n\n## ").Append(Text(section.Title)).Append("\n\n");
            foreach (var block in section.Blocks)
            {
                switch (block)
                {
                    case Heading h:
                        md.Append("### ").Append(Text(h.Text)).Append("\n\n");
                        break;
                    case Paragraph p:
                        md.Append(Text(p.Text)).Append("\n\n");
                        break;
                    case Bullets b:
                        foreach (var item in b.Items)
                        {
                            md.Append("- ").Append(Text(item)).Append('\n');
                        }

                        md.Append('\n');
                        break;
                    case Table t:
                        md.Append("| ").Append(string.Join(" | ", t.Headers.Select(Cell))).Append(" |\n|");
                        md.Append(string.Concat(Enumerable.Repeat("---|", t.Headers.Count))).Append('\n');
                        foreach (var row in t.Rows)
                        {
                            md.Append("| ").Append(string.Join(" | ", row.Select(Cell))).Append(" |\n");
                        }

                        md.Append('\n');
                        break;
                    case Code c:
                        md.Append("```").Append(c.Language).Append('\n').Append(c.Text.TrimEnd('\n')).Append("\n```\n\n");
                        break;
                }
            }
        }

        return md.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>
    /// Markdown prose written by the report (it may hold `code`): no raw HTML gets through (&lt; &gt; &amp; as entities),
    /// the same text the HTML report shows.
    /// </summary>
    private static string Text(string text) => HtmlText(text);

    /// <summary>
    /// A table cell, which may hold anything a verify JSON says: no raw HTML, no Markdown markup (links, emphasis, code,
    /// a cell boundary) — shown literally, as the HTML report shows it; line breaks as &lt;br&gt;.
    /// </summary>
    private static string Cell(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in HtmlText(text))
        {
            if (c is '\\' or '|' or '`' or '*' or '_' or '[' or ']' or '!' or '~')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString().ReplaceLineEndings("<br>");
    }

    private static string HtmlText(string text)
        => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    internal sealed class Section(string id, string title)
    {
        public string Id { get; } = id;

        public string Title { get; } = title;

        public List<object> Blocks { get; } = [];

        public Section Heading(string text) => Add(new Heading(text));

        public Section Paragraph(string text) => Add(new Paragraph(text));

        public Section Bullets(IEnumerable<string> items) => Add(new Bullets(items.ToList()));

        public Section Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows) => Add(new Table(headers, rows.ToList()));

        public Section Code(string text, string language = "") => Add(new Code(text, language));

        private Section Add(object block)
        {
            Blocks.Add(block);
            return this;
        }
    }

    internal sealed record Heading(string Text);

    internal sealed record Paragraph(string Text);

    internal sealed record Bullets(IReadOnlyList<string> Items);

    internal sealed record Table(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

    internal sealed record Code(string Text, string Language);
}
