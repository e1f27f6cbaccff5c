using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Primitives;

namespace Gateway.Configuration;

/// <summary>
/// Envelope keys read from SSM at start-up and every <see cref="ForwardingOptions.EnvelopeKeyRefreshInterval"/>, by parameter name (<see cref="EnvelopeKeyParameterResolver"/> fills it,
/// <see cref="EnvelopeKeyParameterPostConfigure"/> copies the values into <see cref="EnvelopeOptions"/>). Secret:
/// <see cref="ToString"/> shows the count only.
/// </summary>
internal sealed class EnvelopeKeyParameters : IDisposable
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private CancellationTokenSource _changed = new();
    private long _version;

    public int Count => _values.Count;

    /// <summary>Advances whenever a value is new or differs from the one held.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Set(string name, string value)
    {
        if (!_values.TryGetValue(name, out var held) || !string.Equals(held, value, StringComparison.Ordinal))
        {
            _values[name] = value;
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>Fires when <see cref="SignalChange"/> is called: <see cref="EnvelopeOptions"/> are then bound and validated again.</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    public void Dispose() => Volatile.Read(ref _changed).Dispose();

    public void SignalChange()
    {
        using var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        previous.Cancel();
    }

    public bool TryGet(string name, [NotNullWhen(true)] out string? value) => _values.TryGetValue(name, out value);

    public override string ToString() => $"EnvelopeKeyParameters {{ Count = {Count} }}";
}
