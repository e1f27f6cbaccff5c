namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:Revocations</c> section (<see cref="RevocationOptions"/>).</summary>
internal static class RevocationOptionsValidator
{
    public static void Validate(RevocationOptions revocations, string section, List<string> errors)
    {
        if (revocations.PollInterval < RevocationOptions.MinimumPollInterval || revocations.PollInterval > RevocationOptions.MaximumPollInterval)
        {
            errors.Add($"{section}:PollInterval must be between 00:00:01 and 00:10:00 (how often the gateway reads tenant-revocations).");
        }

        if (revocations.ClockSkew < TimeSpan.Zero || revocations.ClockSkew > RevocationOptions.MaximumClockSkew)
        {
            errors.Add($"{section}:ClockSkew must be between 00:00:00 and 00:01:00.");
        }
    }
}
