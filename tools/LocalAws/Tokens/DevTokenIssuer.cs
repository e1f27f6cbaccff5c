using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LocalAws.Tokens;

/// <summary>
/// A local stand-in for an OIDC provider (Cognito): an RS256 key generated at start (kid set), discovery + JWKS, and
/// token minting for tests and demos. Issuer = LocalAws's base URL without a trailing slash. <see cref="Rotate"/>
/// replaces the signing key as an identity provider's key rotation does: new tokens are signed with a new key, and the
/// JWKS lists the previous key too only when asked to (otherwise it is withdrawn at once).
/// </summary>
internal sealed class DevTokenIssuer : IDisposable
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider _clock;
    private readonly List<SigningKey> _all = [];
    private readonly Lock _lock = new();
    private KeySet _keys;

    public DevTokenIssuer(string defaultAudience, TimeProvider clock)
    {
        DefaultAudience = defaultAudience;
        _clock = clock;
        _keys = new KeySet(NewKey(), null);
    }

    public string DefaultAudience { get; }

    public string KeyId => Volatile.Read(ref _keys).Current.Key.KeyId;

    /// <summary>The key ids the JWKS lists, the current one first.</summary>
    public IReadOnlyList<string> PublishedKeyIds => Volatile.Read(ref _keys).Published.Select(k => k.Key.KeyId).ToList();

    /// <summary>Signs new tokens with a fresh key; the JWKS keeps the previous key only when <paramref name="keepPrevious"/>.</summary>
    public void Rotate(bool keepPrevious)
    {
        lock (_lock)
        {
            var current = _keys.Current;
            Volatile.Write(ref _keys, new KeySet(NewKey(), keepPrevious ? current : null));
        }
    }

    private SigningKey NewKey()
    {
        var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint())[..16];
        var signing = new SigningKey(rsa, key, new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
        lock (_lock)
        {
            _all.Add(signing); // disposed with the issuer: a token may be being signed with a key just rotated out
        }

        return signing;
    }

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
        return new
        {
            keys = Volatile.Read(ref _keys).Published.Select(k =>
            {
                var parameters = k.Rsa.ExportParameters(includePrivateParameters: false);
                return new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = SecurityAlgorithms.RsaSha256,
                    ["kid"] = k.Key.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                };
            }).ToArray(),
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
            SigningCredentials = Volatile.Read(ref _keys).Current.Signing,
            TokenType = "JWT",
        };
        return _handler.CreateToken(descriptor);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var key in _all)
            {
                key.Rsa.Dispose();
            }
        }
    }

    private sealed record SigningKey(RSA Rsa, RsaSecurityKey Key, SigningCredentials Signing);

    private sealed record KeySet(SigningKey Current, SigningKey? Previous)
    {
        public IEnumerable<SigningKey> Published => Previous is null ? [Current] : [Current, Previous];
    }

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
