using Gateway.Policies.Documents;

namespace Gateway.Policies.SessionPolicies;

/// <summary>A built session policy: the document and its exact plaintext JSON as sent to STS.</summary>
public sealed record SessionPolicy(PolicyDocument Document, string Json)
{
    /// <summary>Plaintext length in characters, the quantity STS limits to 2,048.</summary>
    public int Length => Json.Length;

    /// <summary>How <c>dynamodb:LeadingKeys</c> names the organization's keys.</summary>
    public LeadingKeysForm Keys { get; init; }
}
