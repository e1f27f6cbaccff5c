namespace LocalAws.Diagnostics;

/// <summary>How AssumeRole misbehaves on purpose (set with <c>POST /_localaws/faults</c>).</summary>
internal enum StsFaultMode
{
    None,

    /// <summary>400 <c>Throttling</c> "Rate exceeded".</summary>
    Throttle,

    /// <summary>500 <c>InternalFailure</c>.</summary>
    Error,

    /// <summary>503 <c>ServiceUnavailable</c>.</summary>
    Unavailable,

    /// <summary>Answers normally after <c>latencyMs</c>.</summary>
    Latency,
}
