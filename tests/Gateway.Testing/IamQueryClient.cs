using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Util;
using Amazon.SecurityToken;

namespace Gateway.Testing;

/// <summary>
/// IAM's Query API (<c>GetRole</c>, <c>PutRolePolicy</c>, <c>GetRolePolicy</c>, <c>DeleteRolePolicy</c>,
/// <c>ListRolePolicies</c>) for tests against LocalAws. The AWS SDK for .NET's IAM package is not available to this
/// build, so the form POST is built here and signed by the SDK's own SigV4 signer (<see cref="AWS4Signer"/>, service
/// <c>iam</c>); errors surface as <see cref="AmazonServiceException"/> with the code and status IAM answered.
/// </summary>
public sealed class IamQueryClient : IDisposable
{
    private readonly Uri _endpoint;
    private readonly AWSCredentials _credentials;
    private readonly string _region;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public IamQueryClient(Uri endpoint, AWSCredentials credentials, string region)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credentials);
        _endpoint = endpoint;
        _credentials = credentials;
        _region = region;
    }

    public Task PutRolePolicyAsync(string roleName, string policyName, string policyDocument, CancellationToken cancellationToken = default)
        => CallAsync("PutRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName), new("PolicyDocument", policyDocument)], cancellationToken);

    /// <summary>The policy JSON, URL-decoded (IAM returns it URL-encoded).</summary>
    public async Task<string> GetRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("GetRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName)], cancellationToken).ConfigureAwait(false);
        return WebUtility.UrlDecode(Element(response, "PolicyDocument") ?? throw new InvalidOperationException("GetRolePolicy answered without PolicyDocument."));
    }

    public Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken = default)
        => CallAsync("DeleteRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName)], cancellationToken);

    public async Task<IReadOnlyList<string>> ListRolePoliciesAsync(string roleName, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("ListRolePolicies", [new("RoleName", roleName)], cancellationToken).ConfigureAwait(false);
        return [.. response.Descendants().Where(e => e.Name.LocalName == "member").Select(e => e.Value)];
    }

    /// <summary>One signed call; the response document on 2xx, <see cref="AmazonServiceException"/> otherwise.</summary>
    public async Task<XDocument> CallAsync(string action, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var form = new StringBuilder("Action=").Append(Uri.EscapeDataString(action)).Append("&Version=2010-05-08");
        foreach (var (name, value) in parameters)
        {
            form.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        var body = Encoding.UTF8.GetBytes(form.ToString());
        var request = new DefaultRequest(new QueryRequest(), "IAM")
        {
            HttpMethod = "POST",
            Endpoint = _endpoint,
            ResourcePath = "/",
            Content = body,
        };
        request.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        var config = new AmazonSecurityTokenServiceConfig { ServiceURL = _endpoint.ToString(), AuthenticationRegion = _region, AuthenticationServiceName = "iam" };
        new AWS4Signer().Sign(request, config, new RequestMetrics(), _credentials);

        using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in request.Headers)
        {
            if (string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Host = value;
            }
            else if (!string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var document = XDocument.Parse(text);
        if (!response.IsSuccessStatusCode)
        {
            throw new AmazonServiceException(Element(document, "Message") ?? text)
            {
                ErrorCode = Element(document, "Code") ?? response.StatusCode.ToString(),
                ErrorType = string.Equals(Element(document, "Type"), "Receiver", StringComparison.Ordinal) ? ErrorType.Receiver : ErrorType.Sender,
                StatusCode = response.StatusCode,
                RequestId = Element(document, "RequestId"),
            };
        }

        return document;
    }

    public void Dispose() => _http.Dispose();

    private static string? Element(XDocument document, string name) => document.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    private sealed class QueryRequest : AmazonWebServiceRequest;
}
