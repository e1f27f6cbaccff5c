using System.Text.Json;

namespace Gateway.Verification;

/// <summary>One line of the verification table. Never holds a secret (error codes and ARNs, not messages with keys).</summary>
public sealed record VerificationCheck(string Name, string Expected, string Observed, bool Passed)
{
    /// <summary>Writes the check as a JSON object <c>{name, expected, observed, passed}</c> (verify's and the migration's reports).</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("name", Name);
        writer.WriteString("expected", Expected);
        writer.WriteString("observed", Observed);
        writer.WriteBoolean("passed", Passed);
        writer.WriteEndObject();
    }
}
