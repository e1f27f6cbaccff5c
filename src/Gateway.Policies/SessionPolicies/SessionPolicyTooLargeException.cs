namespace Gateway.Policies.SessionPolicies;

/// <summary>The session policy for a permission set exceeds the STS plaintext limit.</summary>
public sealed class SessionPolicyTooLargeException : Exception
{
    public SessionPolicyTooLargeException() { }
    public SessionPolicyTooLargeException(string message) : base(message) { }
    public SessionPolicyTooLargeException(string message, Exception innerException) : base(message, innerException) { }

    public SessionPolicyTooLargeException(string permissionSet, int length, int limit)
        : base($"The session policy for permission set '{permissionSet}' is {length} characters; STS accepts at most {limit}.")
    {
        PermissionSet = permissionSet;
        Length = length;
        Limit = limit;
    }

    public string? PermissionSet { get; }
    public int Length { get; }
    public int Limit { get; }
}
