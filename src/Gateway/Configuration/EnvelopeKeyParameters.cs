using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Gateway.Configuration;

/// <summary>
/// Envelope keys read from SSM at start-up, by parameter name (<see cref="EnvelopeKeyParameterResolver"/> fills it,
/// <see cref="EnvelopeKeyParameterPostConfigure"/> copies the values into <see cref="EnvelopeOptions"/>). Secret:
/// <see cref="ToString"/> shows the count only.
/// </summary>
internal sealed class EnvelopeKeyParameters
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);

    public int Count => _values.Count;

    public void Set(string name, string value) => _values[name] = value;

    public bool TryGet(string name, [NotNullWhen(true)] out string? value) => _values.TryGetValue(name, out value);

    public override string ToString() => $"EnvelopeKeyParameters {{ Count = {Count} }}";
}
