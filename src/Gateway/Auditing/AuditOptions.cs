namespace Gateway.Auditing;

/// <summary>The <c>Auditing</c> section.</summary>
internal sealed class AuditOptions
{
    public const string SectionName = "Auditing";

    /// <summary>
    /// Fraction (0–1) of allow events written at Information; the rest are written at Debug so the hot path is not
    /// dominated by logging. Denials are always Information. Default 0.
    /// </summary>
    public double AllowSampleRate { get; set; }
}
