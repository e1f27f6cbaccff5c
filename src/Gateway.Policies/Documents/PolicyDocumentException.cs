namespace Gateway.Policies.Documents;

/// <summary>A policy document could not be parsed; <see cref="Path"/> names the offending field (e.g. <c>$.Statement[1].Effect</c>).</summary>
public sealed class PolicyDocumentException : Exception
{
    public PolicyDocumentException() { }
    public PolicyDocumentException(string message) : base(message) { }
    public PolicyDocumentException(string message, Exception innerException) : base(message, innerException) { }
    public PolicyDocumentException(string message, string? path) : base(message) => Path = path;

    public string? Path { get; }
}
