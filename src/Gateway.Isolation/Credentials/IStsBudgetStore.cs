namespace Gateway.Isolation.Credentials;

/// <summary>The fleet's AssumeRole budget (Redis); a null answer means "not available now" and the caller uses its local share.</summary>
internal interface IStsBudgetStore
{
    /// <summary>
    /// Takes up to <paramref name="want"/> calls from the current second's budget of <paramref name="limit"/>; null when the
    /// store failed, timed out or is skipped after a failure.
    /// </summary>
    ValueTask<StsBudgetGrant?> TryTakeAsync(int want, int limit);
}

/// <summary>Calls granted from the current budget second, how long until the next second begins, and which second it is (Unix seconds of the budget's clock).</summary>
internal readonly record struct StsBudgetGrant(int Granted, TimeSpan NextWindowIn, long Window);
