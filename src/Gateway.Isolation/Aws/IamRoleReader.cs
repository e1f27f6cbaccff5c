using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Gateway.Isolation.Configuration;

namespace Gateway.Isolation.Aws;

/// <summary>
/// Read-only IAM <c>GetRole</c> with the gateway's own identity (AWS Query protocol, SigV4 service <c>iam</c>), used by
/// <c>verify</c> to read the tenant role's trust policy. A small signed form POST: the AWS SDK's IAM package is not
/// available to this build. Errors surface as <see cref="AmazonServiceException"/> with the AWS error code.
/// </summary>
public sealed class IamRoleReader
{
    private const string Service = "iam";
    private readonly AwsOptions _aws;
    private readonly TimeProvider _time;

    /// <param name="aws">Endpoint, region and the gateway's identity.</param>
    /// <param name="time">The clock the request is signed with (SigV4 dates); <see cref="TimeProvider.System"/> when null.</param>
    public IamRoleReader(AwsOptions aws, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(aws);
        _aws = aws;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>"IAM at URL": where GetRole is sent (for error lines).</summary>
    public string Endpoint => $"IAM at {_aws.IamServiceUrl ?? new Uri("https://iam.amazonaws.com/")}";

    /// <summary>The role's trust policy JSON (URL-decoded, as IAM returns it encoded).</summary>
    public async Task<string> GetAssumeRolePolicyAsync(string roleName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(roleName);
        var endpoint = _aws.IamServiceUrl ?? new Uri("https://iam.amazonaws.com/");
        // IAM is global: its real endpoint signs for us-east-1; an override (LocalAws) signs for the configured region.
        var region = _aws.IamServiceUrl is null ? "us-east-1" : _aws.Region;
        var credentials = await AwsClientFactory.GatewayCredentials(_aws).GetCredentialsAsync().ConfigureAwait(false);
        var body = Encoding.UTF8.GetBytes($"Action=GetRole&RoleName={Uri.EscapeDataString(roleName)}&Version=2010-05-08");

        var now = _time.GetUtcNow().UtcDateTime;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = amzDate[..8];
        var host = endpoint.IsDefaultPort ? endpoint.Host : endpoint.Authority;
        var path = string.IsNullOrEmpty(endpoint.AbsolutePath) ? "/" : endpoint.AbsolutePath;
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = host, ["x-amz-date"] = amzDate };
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = $"POST\n{path}\n\n{string.Concat(headers.Select(h => $"{h.Key}:{h.Value.Trim()}\n"))}\n{signedHeaders}\n{Hex(SHA256.HashData(body))}";
        var scope = $"{day}/{region}/{Service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + credentials.SecretKey);
        foreach (var part in new[] { day, region, Service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));

        using var http = new HttpClient { Timeout = _aws.RequestTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
        }

        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={credentials.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        XDocument document;
        try
        {
            document = XDocument.Parse(text);
        }
        catch (System.Xml.XmlException e)
        {
            throw new AmazonServiceException("IAM answered with a body that is not XML.", e) { ErrorCode = "InvalidResponse", StatusCode = response.StatusCode };
        }

        string? Element(string name) => document.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        if (!response.IsSuccessStatusCode)
        {
            throw new AmazonServiceException($"IAM GetRole failed ({(int)response.StatusCode}).") { ErrorCode = Element("Code") ?? response.StatusCode.ToString(), StatusCode = response.StatusCode };
        }

        var encoded = Element("AssumeRolePolicyDocument")
            ?? throw new AmazonServiceException("IAM GetRole answered without AssumeRolePolicyDocument.") { ErrorCode = "InvalidResponse", StatusCode = response.StatusCode };
        return WebUtility.UrlDecode(encoded);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
