namespace LocalAws.CloudFormation;

/// <summary>A created template resource: its type, what <c>Ref</c> returns and its ARN (<c>Fn::GetAtt … Arn</c>).</summary>
internal sealed record StackResource(string Type, string PhysicalId, string? Arn);
