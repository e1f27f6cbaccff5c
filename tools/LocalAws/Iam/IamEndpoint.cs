using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;
using Gateway.Policies.Evaluation;
using LocalAws.Diagnostics;
using LocalAws.Identity;
using LocalAws.Signing;
using LocalAws.Sts;
using Microsoft.AspNetCore.WebUtilities;

namespace LocalAws.Iam;

/// <summary>
/// IAM over the Query protocol, read-only: <c>GetRole</c> (SigV4 service <c>iam</c>; the caller needs
/// <c>iam:GetRole</c> on the role ARN). The trust policy is returned URL-encoded, as AWS returns it.
/// </summary>
internal sealed class IamEndpoint(IamDirectory directory, RequestAuthenticator authenticator, ILogger<IamEndpoint> logger)
{
    public const string Service = "iam";
    public const string Namespace = "https://iam.amazonaws.com/doc/2010-05-08/";
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>A form POST whose SigV4 credential scope names the service <c>iam</c>.</summary>
    public static bool IsIamRequest(HttpRequest request)
        => StsEndpoint.IsStsRequest(request)
           && request.Headers.Authorization.ToString().Contains("/" + Service + "/aws4_request", StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = Guid.NewGuid().ToString();
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await WriteAsync(context, Error(StsError.Validation("Request body is too large."), requestId), 400, requestId);
            return;
        }

        var auth = authenticator.Authenticate(context.Request, body, Service);
        if (!auth.Succeeded)
        {
            var error = StsError.ForAuthentication(auth);
            Log.AuthenticationFailed(logger, Service, auth.AccessKeyId, error.Code, auth.Message);
            await WriteAsync(context, Error(error, requestId), error.Status, requestId);
            return;
        }

        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        var action = form.TryGetValue("Action", out var a) && a.Count > 0 ? a[0] ?? string.Empty : string.Empty;
        if (action != "GetRole")
        {
            await WriteAsync(context, Error(new StsError(400, "InvalidAction", $"Could not find operation {action} for version 2010-05-08"), requestId), 400, requestId);
            return;
        }

        var roleName = form.TryGetValue("RoleName", out var n) && n.Count > 0 ? n[0] ?? string.Empty : string.Empty;
        if (roleName.Length is 0 or > 64)
        {
            var invalid = StsError.ValidationConstraint("roleName", "Member must have length between 1 and 64");
            await WriteAsync(context, Error(invalid, requestId), invalid.Status, requestId);
            return;
        }

        var caller = auth.Principal;
        var arn = $"arn:aws:iam::{directory.AccountId}:role/{roleName}";
        var result = Authorizer.Authorize(caller, new AuthorizationRequest("iam:GetRole", arn, caller.Context) { PrincipalArn = caller.Arn });
        if (!result.IsAllowed)
        {
            var denied = StsError.AccessDenied(Authorizer.DenialMessage(caller.Arn, "iam:GetRole", arn, result));
            Log.StsError(logger, action, caller.Arn, denied.Code, denied.Message);
            await WriteAsync(context, Error(denied, requestId), denied.Status, requestId);
            return;
        }

        var role = directory.Roles.FirstOrDefault(r => string.Equals(r.Name, roleName, StringComparison.Ordinal));
        if (role is null)
        {
            var missing = new StsError(404, "NoSuchEntity", $"The role with name {roleName} cannot be found.");
            await WriteAsync(context, Error(missing, requestId), missing.Status, requestId);
            return;
        }

        await WriteAsync(context, GetRole(role, requestId), 200, requestId);
    }

    private static byte[] GetRole(IamRole role, string requestId) => Write(writer =>
    {
        writer.WriteStartElement("GetRoleResponse", Namespace);
        writer.WriteStartElement("GetRoleResult");
        writer.WriteStartElement("Role");
        writer.WriteElementString("Path", "/");
        writer.WriteElementString("RoleName", role.Name);
        writer.WriteElementString("RoleId", role.RoleId);
        writer.WriteElementString("Arn", role.Arn);
        writer.WriteElementString("AssumeRolePolicyDocument", WebUtility.UrlEncode(role.TrustPolicy.ToJson()));
        writer.WriteElementString("MaxSessionDuration", role.MaxSessionDurationSeconds.ToString(CultureInfo.InvariantCulture));
        writer.WriteEndElement();
        writer.WriteEndElement();
        writer.WriteStartElement("ResponseMetadata");
        writer.WriteElementString("RequestId", requestId);
        writer.WriteEndElement();
        writer.WriteEndElement();
    });

    private static byte[] Error(StsError error, string requestId) => Write(writer =>
    {
        writer.WriteStartElement("ErrorResponse", Namespace);
        writer.WriteStartElement("Error");
        writer.WriteElementString("Type", error.Status >= 500 ? "Receiver" : "Sender");
        writer.WriteElementString("Code", error.Code);
        writer.WriteElementString("Message", error.Message);
        writer.WriteEndElement();
        writer.WriteElementString("RequestId", requestId);
        writer.WriteEndElement();
    });

    private static byte[] Write(Action<XmlWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), OmitXmlDeclaration = true }))
        {
            body(writer);
        }

        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpContext context, byte[] body, int status, string requestId)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = StsXml.ContentType;
        response.Headers["x-amzn-RequestId"] = requestId;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }
}
