using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LocalAws.Tokens;

/// <summary>
/// A local stand-in for an OIDC provider (Cognito): an RS256 key generated at start (kid set), discovery + JWKS, and
/// token minting for tests and demos. Issuer = LocalAws's base URL without a trailing slash.
/// </summary>
internal sealed class DevTokenIssuer : IDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private readonly SigningCredentials _signing;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider _clock;

    public DevTokenIssuer(string defaultAudience, TimeProvider clock)
    {
        DefaultAudience = defaultAudience;
        _clock = clock;
        _key = new RsaSecurityKey(_rsa);
        _key.KeyId = Base64UrlEncoder.Encode(_key.ComputeJwkThumbprint())[..16];
        _signing = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256);
    }

    public string DefaultAudience { get; }

    public string KeyId => _key.KeyId;

    /// <summary>Set once the server is bound (the port may be chosen at start).</summary>
    public string Issuer { get; set; } = "http://127.0.0.1";

    public object Discovery() => new Dictionary<string, object>
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = Issuer + "/.well-known/jwks.json",
        ["token_endpoint"] = Issuer + "/_localaws/tokens",
        ["response_types_supported"] = new[] { "token" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
        ["token_endpoint_auth_methods_supported"] = new[] { "none" },
        ["claims_supported"] = new[] { "sub", "iss", "aud", "exp", "iat", "nbf", "jti" },
    };

    public object Jwks()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        return new
        {
            keys = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = SecurityAlgorithms.RsaSha256,
                    ["kid"] = KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                },
            },
        };
    }

    /// <summary>Mints a token. A negative lifetime mints one that expired that long ago.</summary>
    public string Mint(string subject, string? audience, TimeSpan lifetime, IReadOnlyDictionary<string, JsonElement>? claims)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var expires = now + lifetime;
        var issuedAt = lifetime > TimeSpan.Zero ? now : expires - TimeSpan.FromMinutes(5);
        var payload = new Dictionary<string, object>(StringComparer.Ordinal);
        if (claims is not null)
        {
            foreach (var (name, value) in claims)
            {
                payload[name] = ToClaimValue(value);
            }
        }

        payload[JwtRegisteredClaimNames.Sub] = subject;
        payload[JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N");
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience ?? DefaultAudience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            Claims = payload,
            SigningCredentials = _signing,
            TokenType = "JWT",
        };
        return _handler.CreateToken(descriptor);
    }

    public void Dispose() => _rsa.Dispose();

    private static object ToClaimValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt64(out var integer) => integer,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(ToClaimValue).ToList(),
        _ => value.Clone(),
    };
}
