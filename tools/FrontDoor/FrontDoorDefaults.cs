namespace FrontDoor;

/// <summary>The front door's health-check timing (docs/gateway.md "Local fleet: the front door"; README "Running a fleet").</summary>
internal static class FrontDoorDefaults
{
    /// <summary>Every destination's <c>/readyz</c> is probed this often.</summary>
    public static readonly TimeSpan ActiveInterval = TimeSpan.FromSeconds(1);

    /// <summary>A probe without an answer within this counts as a failure.</summary>
    public static readonly TimeSpan ActiveTimeout = TimeSpan.FromSeconds(1);

    /// <summary>A destination taken out by transport failures comes back (and is probed again) after this.</summary>
    public static readonly TimeSpan PassiveReactivation = TimeSpan.FromSeconds(5);
}
