namespace LocalAws.Signing;

/// <summary>
/// A parsed <c>Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex</c>.
/// </summary>
internal sealed record SigV4AuthorizationHeader(
    string AccessKeyId,
    string Date,
    string Region,
    string Service,
    IReadOnlyList<string> SignedHeaders,
    string Signature)
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    public string Scope => $"{Date}/{Region}/{Service}/aws4_request";

    /// <summary>Parses the header; on failure <paramref name="error"/> is an AWS-style IncompleteSignature message.</summary>
    public static bool TryParse(string header, out SigV4AuthorizationHeader? parsed, out string? error)
    {
        parsed = null;
        error = null;
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var algorithm = space < 0 ? header : header[..space];
        if (!string.Equals(algorithm, Algorithm, StringComparison.Ordinal))
        {
            error = $"Authorization header requires the {Algorithm} algorithm.";
            return false;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in header[(space + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
                default: break;
            }
        }

        var missing = new List<string>();
        if (credential is null) { missing.Add("'Credential'"); }
        if (signedHeaders is null) { missing.Add("'SignedHeaders'"); }
        if (signature is null) { missing.Add("'Signature'"); }
        if (missing.Count > 0)
        {
            error = $"Authorization header requires {string.Join(", ", missing)} parameter(s).";
            return false;
        }

        var scope = credential!.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0 || scope[1].Length != 8)
        {
            error = "Credential must have the form AKID/YYYYMMDD/REGION/SERVICE/aws4_request.";
            return false;
        }

        var headers = signedHeaders!.Split(';', StringSplitOptions.RemoveEmptyEntries);
        if (signature!.Length != 64 || !signature.All(char.IsAsciiHexDigitLower))
        {
            error = "Signature must be 64 lowercase hexadecimal characters.";
            return false;
        }

        parsed = new SigV4AuthorizationHeader(scope[0], scope[1], scope[2], scope[3], headers, signature);
        return true;
    }
}
