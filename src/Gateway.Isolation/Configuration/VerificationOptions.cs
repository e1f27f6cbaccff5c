namespace Gateway.Isolation.Configuration;

/// <summary>
/// The <c>TenantIsolation:Verification</c> section: continuous verification, the <c>verify</c> probes run by the gateway
/// on a schedule. Off unless <see cref="Interval"/> is set.
/// </summary>
public sealed class VerificationOptions
{
    public const string SectionName = TenantIsolationOptions.SectionName + ":Verification";

    /// <summary>The shortest accepted <see cref="Interval"/>: one run makes tens of STS and DynamoDB calls.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(1);

    /// <summary>Time between runs (the first run at start-up unless <see cref="RunAtStartup"/> is false). Default zero: off.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Whether the first run starts as soon as the gateway has started (default true), so an IAM change is caught at
    /// deploy time, not one interval later; false: the first run is one interval after start-up.
    /// </summary>
    public bool RunAtStartup { get; set; } = true;

    /// <summary>The two canary organizations. Default (empty): <c>zz-verify-a</c> and <c>zz-verify-b</c>, as <c>verify</c>.</summary>
    public List<string> Organizations { get; set; } = [];

    /// <summary>Whether continuous verification runs.</summary>
    public bool Enabled => Interval > TimeSpan.Zero;
}
