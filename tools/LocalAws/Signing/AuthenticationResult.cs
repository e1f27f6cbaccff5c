using System.Diagnostics.CodeAnalysis;
using LocalAws.Identity;

namespace LocalAws.Signing;

/// <summary>The authenticated principal, or the failure and an AWS-style message (never containing secrets).</summary>
internal sealed record AuthenticationResult(Principal? Principal, AuthFailure Failure, string Message)
{
    /// <summary>Access key id from the Authorization header, when one could be read (for logging; not secret).</summary>
    public string? AccessKeyId { get; init; }

    [MemberNotNullWhen(true, nameof(Principal))]
    public bool Succeeded => Failure == AuthFailure.None && Principal is not null;

    public static AuthenticationResult Success(Principal principal) => new(principal, AuthFailure.None, string.Empty) { AccessKeyId = principal.AccessKeyId };

    public static AuthenticationResult Fail(AuthFailure failure, string message, string? accessKeyId = null) => new(null, failure, message) { AccessKeyId = accessKeyId };
}
