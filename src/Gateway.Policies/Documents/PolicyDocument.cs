using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Policies.Documents;

/// <summary>An IAM policy document. Parses real IAM JSON; <see cref="ToJson"/> writes it back canonically.</summary>
public sealed record PolicyDocument
{
    public const string Version2012 = "2012-10-17";

    // Only '"', '\' and control characters need escaping in JSON. The default encoder would also turn '+', '<', '>',
    // '&' and '\'' into \uXXXX escapes, which wastes the 2,048-character STS budget; this text goes into an STS form
    // field or a file, never into HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    public string? Version { get; init; } = Version2012;
    public string? Id { get; init; }
    public required IReadOnlyList<PolicyStatement> Statements { get; init; }

    /// <summary>True when policy variables (<c>${...}</c>) are substituted: only in version 2012-10-17 documents.</summary>
    public bool SupportsPolicyVariables => string.Equals(Version, Version2012, StringComparison.Ordinal);

    /// <exception cref="PolicyDocumentException">Malformed JSON or an invalid policy; the message names the field/position.</exception>
    public static PolicyDocument Parse(string json) => PolicyDocumentParser.Parse(json);

    public static bool TryParse(string json, [NotNullWhen(true)] out PolicyDocument? document, [NotNullWhen(false)] out string? error)
    {
        try
        {
            document = PolicyDocumentParser.Parse(json);
            error = null;
            return true;
        }
        catch (PolicyDocumentException ex)
        {
            document = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>Compact canonical JSON written with a JSON writer (never string concatenation).</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the canonical form: Version, Id, Statement array; each statement Sid, Effect, Principal,
    /// Action/NotAction, Resource/NotResource, Condition (grouped by operator in first-seen order). A one-element list
    /// is written as a plain string.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (Version is not null)
        {
            writer.WriteString("Version"u8, Version);
        }

        if (Id is not null)
        {
            writer.WriteString("Id"u8, Id);
        }

        writer.WritePropertyName("Statement"u8);
        writer.WriteStartArray();
        foreach (var statement in Statements)
        {
            WriteStatement(writer, statement);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public bool Equals(PolicyDocument? other)
        => other is not null
           && string.Equals(Version, other.Version, StringComparison.Ordinal)
           && string.Equals(Id, other.Id, StringComparison.Ordinal)
           && DocumentEquality.ListEquals(Statements, other.Statements);

    public override int GetHashCode()
        => HashCode.Combine(Version, Id, DocumentEquality.ListHash(Statements));

    private static void WriteStatement(Utf8JsonWriter writer, PolicyStatement statement)
    {
        writer.WriteStartObject();
        if (statement.Sid is not null)
        {
            writer.WriteString("Sid"u8, statement.Sid);
        }

        writer.WriteString("Effect"u8, statement.Effect == PolicyEffect.Allow ? "Allow"u8 : "Deny"u8);
        if (statement.Principal is not null)
        {
            writer.WritePropertyName("Principal"u8);
            if (statement.Principal.Count == 1 && statement.Principal.TryGetValue("*", out var star) && star is ["*"])
            {
                writer.WriteStringValue("*"u8);
            }
            else
            {
                writer.WriteStartObject();
                foreach (var (key, values) in statement.Principal)
                {
                    writer.WritePropertyName(key);
                    WriteValues(writer, values);
                }

                writer.WriteEndObject();
            }
        }

        WriteList(writer, "Action"u8, statement.Actions);
        WriteList(writer, "NotAction"u8, statement.NotActions);
        WriteList(writer, "Resource"u8, statement.Resources);
        WriteList(writer, "NotResource"u8, statement.NotResources);

        var conditions = statement.Conditions;
        if (conditions.Count > 0)
        {
            writer.WritePropertyName("Condition"u8);
            writer.WriteStartObject();
            var written = new bool[conditions.Count];
            for (var i = 0; i < conditions.Count; i++)
            {
                if (written[i])
                {
                    continue;
                }

                var op = conditions[i].Operator;
                writer.WritePropertyName(op);
                writer.WriteStartObject();
                for (var j = i; j < conditions.Count; j++)
                {
                    if (!written[j] && string.Equals(conditions[j].Operator, op, StringComparison.Ordinal))
                    {
                        written[j] = true;
                        writer.WritePropertyName(conditions[j].Key);
                        WriteValues(writer, conditions[j].Values);
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return;
        }

        writer.WritePropertyName(name);
        WriteValues(writer, values);
    }

    private static void WriteValues(Utf8JsonWriter writer, IReadOnlyList<string> values)
    {
        if (values.Count == 1)
        {
            writer.WriteStringValue(values[0]);
            return;
        }

        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
