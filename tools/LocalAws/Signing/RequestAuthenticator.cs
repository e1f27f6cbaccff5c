using LocalAws.Diagnostics;
using LocalAws.Identity;
using Microsoft.AspNetCore.Http.Features;

namespace LocalAws.Signing;

/// <summary>
/// Verifies a SigV4-signed request the way AWS orders its checks: header shape → request time window (±15 min, wall
/// clock) → access key + session token → session expiry (credential clock) → signature over the client's SignedHeaders
/// and the raw body, compared in constant time.
/// </summary>
internal sealed class RequestAuthenticator(CredentialStore credentials, LocalClock credentialClock, TimeProvider wallClock, string region)
{
    public static readonly TimeSpan TimeWindow = TimeSpan.FromMinutes(15);

    private readonly SigningKeyCache _signingKeys = new();

    public const string SignatureMismatchMessage = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    public const string InvalidTokenMessage = "The security token included in the request is invalid.";
    public const string ExpiredTokenMessage = "The security token included in the request is expired";

    public AuthenticationResult Authenticate(HttpRequest request, ReadOnlySpan<byte> body, string service)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            return AuthenticationResult.Fail(AuthFailure.MissingAuthenticationToken, "Request is missing Authentication Token");
        }

        if (!SigV4AuthorizationHeader.TryParse(authorization, out var header, out var shapeError))
        {
            return AuthenticationResult.Fail(AuthFailure.IncompleteSignature, shapeError!);
        }

        var amzDate = request.Headers["x-amz-date"].ToString();
        if (!SigV4.TryParseAmzDate(amzDate, out var signedAt))
        {
            return AuthenticationResult.Fail(AuthFailure.IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", header!.AccessKeyId);
        }

        if (!header!.SignedHeaders.Contains("host") || !header.SignedHeaders.Contains("x-amz-date"))
        {
            return AuthenticationResult.Fail(AuthFailure.IncompleteSignature, "'Host' and 'X-Amz-Date' must be signed headers.", header.AccessKeyId);
        }

        var now = wallClock.GetUtcNow();
        if (signedAt < now - TimeWindow || signedAt > now + TimeWindow)
        {
            var bound = signedAt < now ? now - TimeWindow : now + TimeWindow;
            var relation = signedAt < now ? "earlier" : "later";
            var sign = signedAt < now ? "-" : "+";
            return AuthenticationResult.Fail(
                AuthFailure.SignatureExpired,
                $"Signature expired: {amzDate} is now {relation} than {SigV4.FormatAmzDate(bound)} ({SigV4.FormatAmzDate(now)} {sign} 15 min.)",
                header.AccessKeyId);
        }

        if (!credentials.TryFind(header.AccessKeyId, out var principal))
        {
            return AuthenticationResult.Fail(AuthFailure.UnrecognizedClient, InvalidTokenMessage, header.AccessKeyId);
        }

        var token = request.Headers["x-amz-security-token"].ToString();
        if (principal.SessionToken is null ? token.Length > 0 : !SigV4.FixedTimeEquals(token, principal.SessionToken))
        {
            return AuthenticationResult.Fail(AuthFailure.UnrecognizedClient, InvalidTokenMessage, header.AccessKeyId);
        }

        if (principal.Expiration is { } expiration && credentialClock.GetUtcNow() >= expiration)
        {
            return AuthenticationResult.Fail(AuthFailure.ExpiredToken, ExpiredTokenMessage, header.AccessKeyId);
        }

        if (!string.Equals(header.Date, amzDate[..8], StringComparison.Ordinal))
        {
            return AuthenticationResult.Fail(AuthFailure.InvalidSignature, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{header.Date}' != '{amzDate[..8]}', from '{amzDate}'.", header.AccessKeyId);
        }

        if (!string.Equals(header.Region, region, StringComparison.Ordinal))
        {
            return AuthenticationResult.Fail(AuthFailure.InvalidSignature, $"Credential should be scoped to a valid region, not '{header.Region}'. ", header.AccessKeyId);
        }

        if (!string.Equals(header.Service, service, StringComparison.Ordinal))
        {
            return AuthenticationResult.Fail(AuthFailure.InvalidSignature, $"Credential should be scoped to correct service: '{service}'. ", header.AccessKeyId);
        }

        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.ToString();
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var query = queryStart < 0 ? null : rawTarget[queryStart..];
        var canonical = SigV4.CanonicalRequest(
            request.Method,
            string.IsNullOrEmpty(path) ? "/" : path,
            SigV4.CanonicalQuery(query),
            header.SignedHeaders,
            name => request.Headers.TryGetValue(name, out var values) ? string.Join(',', values.Select(v => v ?? string.Empty)) : null,
            SigV4.HexSha256(body));
        var key = _signingKeys.Get(principal.AccessKeyId, principal.SecretAccessKey, header.Date, header.Region, header.Service);
        var expected = SigV4.Signature(key, SigV4.StringToSign(amzDate, header.Scope, canonical));
        if (!SigV4.FixedTimeEquals(expected, header.Signature))
        {
            return AuthenticationResult.Fail(AuthFailure.InvalidSignature, SignatureMismatchMessage, header.AccessKeyId);
        }

        return AuthenticationResult.Success(principal);
    }
}
