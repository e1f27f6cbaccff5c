namespace LocalAws.Signing;

/// <summary>Why a request failed authentication, in AWS's order of checks. Each protocol maps it to its own error code.</summary>
internal enum AuthFailure
{
    None,
    MissingAuthenticationToken,
    IncompleteSignature,
    SignatureExpired,
    UnrecognizedClient,
    ExpiredToken,
    InvalidSignature,
}
