namespace Gateway.Isolation.Memberships;

/// <summary>The membership store could not answer (network, throttling, permissions). Requests fail closed with 503.</summary>
internal sealed class MembershipUnavailableException : Exception
{
    public MembershipUnavailableException() { }

    public MembershipUnavailableException(string message) : base(message) { }

    public MembershipUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
