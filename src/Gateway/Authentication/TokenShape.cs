using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Authentication;

/// <summary>
/// Structural rules for a token whose signature, issuer, audience and lifetime already validated, that the JOSE library
/// does not enforce: no <c>crit</c> header (the gateway understands no JWS extensions, so RFC 7515 §4.1.11 says refuse),
/// no payload member twice (a JSON parser keeps the last <c>"sub"</c>, another reader may keep the first), and the user-id
/// and organization claims, when present, are JSON strings (not numbers, arrays, objects, booleans or null).
/// </summary>
internal static class TokenShape
{
    /// <summary>Null when the token is acceptable; otherwise a short reason (never a claim value).</summary>
    public static string? Problem(JsonWebToken token, string userIdClaim, string? organizationClaim)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(userIdClaim);
        if (token.TryGetHeaderValue<object>("crit", out _))
        {
            return "crit header";
        }

        byte[] payload;
        try
        {
            payload = Base64UrlEncoder.DecodeBytes(token.EncodedPayload);
        }
        catch (FormatException)
        {
            return "payload encoding";
        }

        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 64 });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "payload is not an object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!seen.Add(name))
                {
                    return "duplicate claim";
                }

                reader.Read();
                var isIdentityClaim = name == userIdClaim || (!string.IsNullOrEmpty(organizationClaim) && name == organizationClaim);
                if (isIdentityClaim && reader.TokenType != JsonTokenType.String)
                {
                    return "identity claim is not a string";
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return "payload JSON";
        }

        return null;
    }
}
