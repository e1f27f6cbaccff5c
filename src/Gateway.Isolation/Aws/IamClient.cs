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
/// IAM over the AWS Query protocol (SigV4 service <c>iam</c>): <c>GetRole</c> (verify reads the tenant role's trust with
/// the gateway's own identity) and the role inline-policy calls <c>revoke</c> makes with the operator's identity. A small
/// signed form POST: the AWS SDK's IAM package is not available to this build. Errors surface as
/// <see cref="AmazonServiceException"/> with the AWS error code and HTTP status.
/// </summary>
public sealed class IamClient
{
    private const string Service = "iam";
    private static readonly Uri GlobalEndpoint = new("https://iam.amazonaws.com/");
    private readonly AwsOptions _aws;
    private readonly TimeProvider _time;
    private readonly AWSCredentials? _credentials;

    /// <param name="aws">Endpoint, region and (unless <paramref name="credentials"/> is given) the gateway's identity.</param>
    /// <param name="time">The clock the request is signed with (SigV4 dates); <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="credentials">Who signs: null = the gateway's identity (<see cref="AwsClientFactory.GatewayCredentials"/>).</param>
    public IamClient(AwsOptions aws, TimeProvider? time = null, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(aws);
        _aws = aws;
        _time = time ?? TimeProvider.System;
        _credentials = credentials;
    }

    /// <summary>"IAM at URL": where requests are sent (for error lines).</summary>
    public string Endpoint => $"IAM at {_aws.IamServiceUrl ?? GlobalEndpoint}";

    /// <summary>The role's trust policy JSON (URL-decoded, as IAM returns it encoded).</summary>
    public async Task<string> GetAssumeRolePolicyAsync(string roleName, CancellationToken cancellationToken)
    {
        var document = await SendAsync("GetRole", [("RoleName", roleName)], cancellationToken).ConfigureAwait(false);
        return WebUtility.UrlDecode(Required(document, "GetRole", "AssumeRolePolicyDocument"));
    }

    /// <summary>The role's maximum session duration (GetRole).</summary>
    public async Task<TimeSpan> GetMaxSessionDurationAsync(string roleName, CancellationToken cancellationToken)
    {
        var document = await SendAsync("GetRole", [("RoleName", roleName)], cancellationToken).ConfigureAwait(false);
        var text = Required(document, "GetRole", "MaxSessionDuration");
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw Invalid("GetRole", "MaxSessionDuration is not a number of seconds");
    }

    /// <summary>The names of the role's inline policies (every page).</summary>
    public async Task<IReadOnlyList<string>> ListRolePoliciesAsync(string roleName, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        string? marker = null;
        for (var page = 0; page < 100; page++)
        {
            List<(string, string)> parameters = [("RoleName", roleName)];
            if (marker is not null)
            {
                parameters.Add(("Marker", marker));
            }

            var document = await SendAsync("ListRolePolicies", parameters, cancellationToken).ConfigureAwait(false);
            names.AddRange(document.Descendants().Where(e => e.Name.LocalName == "PolicyNames").SelectMany(e => e.Elements()).Select(e => e.Value));
            marker = string.Equals(Element(document, "IsTruncated"), "true", StringComparison.OrdinalIgnoreCase) ? Element(document, "Marker") : null;
            if (marker is null)
            {
                return names;
            }
        }

        throw Invalid("ListRolePolicies", "more than 100 pages");
    }

    /// <summary>An inline policy's document (URL-decoded), or null when the role has no policy of that name.</summary>
    public async Task<string?> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            var document = await SendAsync("GetRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)], cancellationToken).ConfigureAwait(false);
            return WebUtility.UrlDecode(Required(document, "GetRolePolicy", "PolicyDocument"));
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "NoSuchEntity")
        {
            // NoSuchEntity names the policy only once the role exists and may be read: AccessDenied comes first.
            return null;
        }
    }

    /// <summary>Creates or replaces an inline policy.</summary>
    public Task PutRolePolicyAsync(string roleName, string policyName, string policyDocument, CancellationToken cancellationToken)
        => SendAsync("PutRolePolicy", [("RoleName", roleName), ("PolicyName", policyName), ("PolicyDocument", policyDocument)], cancellationToken);

    /// <summary>Deletes an inline policy; true when it existed.</summary>
    public async Task<bool> DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync("DeleteRolePolicy", [("RoleName", roleName), ("PolicyName", policyName)], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "NoSuchEntity")
        {
            return false;
        }
    }

    private async Task<XDocument> SendAsync(string action, IReadOnlyList<(string Name, string Value)> parameters, CancellationToken cancellationToken)
    {
        foreach (var (name, value) in parameters)
        {
            ArgumentException.ThrowIfNullOrEmpty(value, name);
        }

        var endpoint = _aws.IamServiceUrl ?? GlobalEndpoint;
        // IAM is global: its real endpoint signs for us-east-1; an override (LocalAws) signs for the configured region.
        var region = _aws.IamServiceUrl is null ? "us-east-1" : _aws.Region;
        var credentials = await (_credentials ?? AwsClientFactory.GatewayCredentials(_aws)).GetCredentialsAsync().ConfigureAwait(false);
        var form = string.Join('&', parameters.Prepend(("Action", action)).Append(("Version", "2010-05-08")).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}"));
        var body = Encoding.UTF8.GetBytes(form);

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

        if (!response.IsSuccessStatusCode)
        {
            throw new AmazonServiceException($"IAM {action} failed ({(int)response.StatusCode}).") { ErrorCode = Element(document, "Code") ?? response.StatusCode.ToString(), StatusCode = response.StatusCode };
        }

        return document;
    }

    private static string? Element(XDocument document, string name) => document.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    private static string Required(XDocument document, string action, string name)
        => Element(document, name) ?? throw Invalid(action, $"answered without {name}");

    private static AmazonServiceException Invalid(string action, string what)
        => new($"IAM {action} {what}.") { ErrorCode = "InvalidResponse" };

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
