namespace Gateway.Isolation;

/// <summary>
/// A start-up failure the operator can fix (no AWS credentials, …). Its message is one line that says what is wrong
/// and how to fix it; <c>Program</c> prints it without a stack trace and exits non-zero.
/// </summary>
public sealed class GatewayStartupException : Exception
{
    public GatewayStartupException() { }

    public GatewayStartupException(string message) : base(message) { }

    public GatewayStartupException(string message, Exception innerException) : base(message, innerException) { }
}
