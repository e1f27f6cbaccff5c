using System.Diagnostics;

namespace Gateway.Isolation.Diagnostics;

/// <summary>The isolation engine's <see cref="ActivitySource"/>: one span per evaluation (membership → role → credentials).</summary>
public static class IsolationTelemetry
{
    /// <summary>The activity source name, for <c>AddSource</c> in a tracer provider.</summary>
    public const string ActivitySourceName = "gateway.isolation";

    internal static readonly ActivitySource Source = new(ActivitySourceName);
}
