namespace Gateway.Isolation.Credentials;

/// <summary>What the engine did with a backend's report that the data store rejected a credential set.</summary>
public enum CredentialRejectionOutcome
{
    /// <summary>Nothing to act on: the request was not served with scoped credentials the engine issued (legacy, denied, unscoped).</summary>
    NotApplicable,

    /// <summary>The set was still the current one: dropped from L1, L2 and the fleet; the next request mints a new one.</summary>
    Dropped,

    /// <summary>The key's set was dropped less than <c>Cache:RejectionCooldown</c> ago: nothing done.</summary>
    Cooldown,

    /// <summary>A newer set was minted meanwhile: it stays.</summary>
    Superseded,
}
