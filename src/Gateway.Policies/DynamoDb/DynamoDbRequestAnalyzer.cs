namespace Gateway.Policies.DynamoDb;

/// <summary>
/// Turns a DynamoDB JSON-protocol request (operation from <c>X-Amz-Target</c>, JSON body) into the authorization checks
/// IAM would make. Key schemas come from <paramref name="schemas"/> (returns null for an unknown table, which makes
/// item operations on it "cannot analyze").
/// </summary>
public sealed class DynamoDbRequestAnalyzer
{
    public const string TargetPrefix = "DynamoDB_20120810.";

    public DynamoDbRequestAnalyzer(AwsScope scope) => Scope = scope ?? throw new ArgumentNullException(nameof(scope));

    public AwsScope Scope { get; }

    /// <summary>Operation name such as "GetItem" (without the target prefix). Never throws for bad input.</summary>
    public RequestAnalysis Analyze(string operation, ReadOnlySpan<byte> jsonBody, Func<string, TableKeySchema?> schemas)
        => throw new NotImplementedException();

    /// <summary>Table names a request body mentions (to prefetch schemas), or empty when the body cannot be read.</summary>
    public static IReadOnlyList<string> ReferencedTables(string operation, ReadOnlySpan<byte> jsonBody)
        => throw new NotImplementedException();
}
