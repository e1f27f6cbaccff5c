namespace Gateway.Migration.Invocation;

/// <summary>Bad input (arguments, tables, key schema, files): one line on stderr, exit 2, nothing written.</summary>
internal sealed class UsageException : Exception
{
    public UsageException() { }

    public UsageException(string message) : base(message) { }

    public UsageException(string message, Exception innerException) : base(message, innerException) { }
}
