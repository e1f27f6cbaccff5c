using System.Diagnostics.CodeAnalysis;

namespace Gateway.Policies.Documents;

/// <summary>An IAM policy document. Parses real IAM JSON; <see cref="ToJson"/> writes it back canonically.</summary>
public sealed record PolicyDocument
{
    public const string Version2012 = "2012-10-17";

    public string? Version { get; init; } = Version2012;
    public string? Id { get; init; }
    public required IReadOnlyList<PolicyStatement> Statements { get; init; }

    /// <exception cref="PolicyDocumentException">Malformed JSON or an invalid policy; the message names the field/position.</exception>
    public static PolicyDocument Parse(string json) => throw new NotImplementedException();

    public static bool TryParse(string json, [NotNullWhen(true)] out PolicyDocument? document, [NotNullWhen(false)] out string? error)
        => throw new NotImplementedException();

    /// <summary>Compact canonical JSON written with a JSON writer (never string concatenation).</summary>
    public string ToJson() => throw new NotImplementedException();
}
