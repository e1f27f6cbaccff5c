namespace Gateway.Policies.Evaluation;

/// <summary>One IAM authorization check: action (e.g. <c>dynamodb:GetItem</c>), resource ARN, condition keys, and
/// optionally the calling principal's ARN (matched against <c>Principal</c> in resource/trust policies).</summary>
public sealed record AuthorizationRequest(string Action, string Resource, RequestContext Context)
{
    public string? PrincipalArn { get; init; }
}
