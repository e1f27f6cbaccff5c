using Gateway.Policies;

namespace LocalAws.DynamoDb;

internal static class AwsScopeExtensions
{
    /// <summary>The table ARN, built here so a denial message never depends on the evaluator being available.</summary>
    public static string TableArnOrWildcard(this AwsScope scope, string tableName)
        => string.IsNullOrEmpty(tableName) ? "*" : $"arn:{scope.Partition}:dynamodb:{scope.Region}:{scope.AccountId}:table/{tableName}";
}
