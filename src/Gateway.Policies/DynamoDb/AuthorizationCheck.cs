using Gateway.Policies.Evaluation;

namespace Gateway.Policies.DynamoDb;

/// <summary>One check IAM makes for a DynamoDB request: action, resource ARN and condition keys (e.g. LeadingKeys).</summary>
public sealed record AuthorizationCheck(string Action, string Resource, IReadOnlyDictionary<string, IReadOnlyList<string>> ConditionKeys)
{
    public AuthorizationRequest ToRequest(RequestContext principalContext)
    {
        ArgumentNullException.ThrowIfNull(principalContext);
        return new AuthorizationRequest(Action, Resource, principalContext.With(ConditionKeys));
    }
}
