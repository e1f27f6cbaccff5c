namespace Gateway.Auditing;

/// <summary>The <c>Auditing</c> section.</summary>
internal sealed class AuditOptions
{
    public const string SectionName = "Auditing";

    /// <summary>
    /// Fraction (0–1) of allow events written at Information (event 6003, what <c>audit</c> and a SIEM read); the rest
    /// are written at Debug (6001, filtered by default). Denials are always Information. Default 1: every allowed
    /// request is audited, so a request can always be tied to a person; lower it only if the log volume must shrink
    /// and the sampled requests need not be attributable.
    /// </summary>
    public double AllowSampleRate { get; set; } = 1;
}
