namespace Gateway.Policies.DynamoDb;

/// <summary>
/// What <see cref="DynamoDbRequestAnalyzer.AnalyzeAsync"/> learns from one parse of a request: the tables its body
/// names (as <see cref="DynamoDbRequestAnalyzer.ReferencedTables"/> lists them, for schema loading, error messages and
/// cache invalidation) and its <see cref="RequestAnalysis"/>.
/// </summary>
public sealed record AnalyzedRequest(IReadOnlyList<string> ReferencedTables, RequestAnalysis Analysis);
