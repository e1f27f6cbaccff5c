namespace Gateway.Policies.SessionPolicies;

/// <summary>How a session policy's <c>dynamodb:LeadingKeys</c> condition names the organization's partition keys.</summary>
public enum LeadingKeysForm
{
    /// <summary>Unsharded: <c>ForAllValues:StringEquals</c> <c>{org}</c>.</summary>
    Unsharded = 0,

    /// <summary>Sharded, exact: <c>ForAllValues:StringEquals</c> <c>{org}</c>, <c>{org}#0</c>…<c>{org}#N−1</c>.</summary>
    ExactList,

    /// <summary>Sharded, when the exact list does not fit 2,048 characters: <c>ForAllValues:StringLike</c> <c>{org}</c>, <c>{org}#*</c>.</summary>
    ShardPattern,
}
