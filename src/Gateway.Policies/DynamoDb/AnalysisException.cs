namespace Gateway.Policies.DynamoDb;

/// <summary>Internal signal that a request cannot be analyzed; turned into <see cref="RequestAnalysis.CannotAnalyze"/>.</summary>
internal sealed class AnalysisException : Exception
{
    public AnalysisException()
    {
    }

    public AnalysisException(string message) : base(message)
    {
    }

    public AnalysisException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
