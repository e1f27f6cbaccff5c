using Amazon.DynamoDBv2;

namespace Gateway.Verification;

/// <summary>The AssumeRole check of <see cref="VerificationRunner.AssumeAsync"/> and, when credentials were issued, a DynamoDB client on the session and its name.</summary>
public sealed record VerificationSessionResult(VerificationCheck Check, IAmazonDynamoDB? Client, string? SessionName);
