using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using LocalAws.Diagnostics;
using LocalAws.Identity;
using LocalAws.Signing;
using LocalAws.Sts;
using Microsoft.AspNetCore.WebUtilities;

namespace LocalAws.Iam;

/// <summary>
/// IAM over the Query protocol (SigV4 service <c>iam</c>): <c>GetRole</c> (the trust policy returned URL-encoded, as
/// AWS returns it) and a role's inline policies — <c>PutRolePolicy</c>, <c>GetRolePolicy</c>, <c>DeleteRolePolicy</c>,
/// <c>ListRolePolicies</c>. The caller needs <c>iam:ACTION</c> on the role ARN, decided by the same policy engine as
/// every other LocalAws API, before the role's existence is revealed. An inline policy applies to every session of the
/// role from its next request on, including sessions assumed before the put.
/// </summary>
internal sealed partial class IamEndpoint(IamDirectory directory, RequestAuthenticator authenticator, ILogger<IamEndpoint> logger)
{
    public const string Service = "iam";
    public const string Namespace = "https://iam.amazonaws.com/doc/2010-05-08/";

    /// <summary>IAM's limit on one <c>PolicyDocument</c> parameter (characters); the role's aggregate quota
    /// (<see cref="RoleInlinePolicies.MaxAggregateCharacters"/>) is what a role policy meets first.</summary>
    public const int MaxPolicyDocumentLength = 131_072;

    private const int MaxBodyBytes = 512 * 1024;
    private static readonly string[] s_actions = ["GetRole", "PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy", "ListRolePolicies"];

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
        string? Parameter(string name) => form.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;
        var action = Parameter("Action") ?? string.Empty;
        if (!s_actions.Contains(action, StringComparer.Ordinal))
        {
            await WriteAsync(context, Error(new StsError(400, "InvalidAction", $"Could not find operation {action} for version 2010-05-08"), requestId), 400, requestId);
            return;
        }

        var roleName = Parameter("RoleName") ?? string.Empty;
        if (Invalid("roleName", roleName, 64) is { } invalidRole)
        {
            await WriteAsync(context, Error(invalidRole, requestId), invalidRole.Status, requestId);
            return;
        }

        var policyName = Parameter("PolicyName");
        if (action is "PutRolePolicy" or "GetRolePolicy" or "DeleteRolePolicy" && Invalid("policyName", policyName ?? string.Empty, 128) is { } invalidPolicy)
        {
            await WriteAsync(context, Error(invalidPolicy, requestId), invalidPolicy.Status, requestId);
            return;
        }

        var policyDocument = Parameter("PolicyDocument");
        if (action == "PutRolePolicy" && InvalidDocument(policyDocument) is { } invalidDocument)
        {
            await WriteAsync(context, Error(invalidDocument, requestId), invalidDocument.Status, requestId);
            return;
        }

        var caller = auth.Principal;
        var arn = $"arn:aws:iam::{directory.AccountId}:role/{roleName}";
        var iamAction = "iam:" + action;
        var result = Authorizer.Authorize(caller, new AuthorizationRequest(iamAction, arn, caller.Context) { PrincipalArn = caller.Arn });
        if (!result.IsAllowed)
        {
            var denied = StsError.AccessDenied(Authorizer.DenialMessage(caller.Arn, iamAction, arn, result));
            Log.StsError(logger, action, caller.Arn, denied.Code, denied.Message);
            await WriteAsync(context, Error(denied, requestId), denied.Status, requestId);
            return;
        }

        if (!directory.TryFindRoleByName(roleName, out var role))
        {
            var missing = new StsError(404, "NoSuchEntity", $"The role with name {roleName} cannot be found.");
            await WriteAsync(context, Error(missing, requestId), missing.Status, requestId);
            return;
        }

        var (status, response) = action switch
        {
            "GetRole" => (200, GetRole(role, requestId)),
            "ListRolePolicies" => (200, ListRolePolicies(directory.InlinePolicies(role).Current, requestId)),
            "GetRolePolicy" => GetRolePolicy(role, policyName!, requestId),
            "DeleteRolePolicy" => DeleteRolePolicy(role, policyName!, caller, requestId),
            _ => PutRolePolicy(role, policyName!, policyDocument!, caller, requestId),
        };
        await WriteAsync(context, response, status, requestId);
    }

    /// <summary>IAM's constraint on role and policy names: 1..<paramref name="max"/> characters of <c>[\w+=,.@-]</c>.</summary>
    private static StsError? Invalid(string member, string value, int max)
    {
        if (value.Length < 1 || value.Length > max)
        {
            return StsError.ValidationConstraint(member, $"Member must have length less than or equal to {max}");
        }

        return NamePattern().IsMatch(value)
            ? null
            : StsError.ValidationConstraint(member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    }

    /// <summary>Length and character set as IAM's API checks them (<c>ValidationError</c>); JSON and policy grammar
    /// (<c>MalformedPolicyDocument</c>) come after authorization, as in AWS.</summary>
    private static StsError? InvalidDocument(string? document)
    {
        if (document is null || document.Length is 0 or > MaxPolicyDocumentLength)
        {
            return StsError.ValidationConstraint("policyDocument", $"Member must have length less than or equal to {MaxPolicyDocumentLength}");
        }

        foreach (var c in document)
        {
            if (c is not ('\t' or '\n' or '\r') and (< '\u0020' or > '\u00FF'))
            {
                return StsError.ValidationConstraint("policyDocument", "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
            }
        }

        return null;
    }

    private (int Status, byte[] Body) PutRolePolicy(IamRole role, string policyName, string json, Principal caller, string requestId)
    {
        if (!PolicyDocument.TryParse(json, out var document, out var problem))
        {
            return Fail(new StsError(400, "MalformedPolicyDocument", $"Syntax errors in policy. {problem}"), requestId);
        }

        if (document.Statements.SelectMany(s => s.Conditions).FirstOrDefault(c => !c.IsKnownOperator) is { } unknown)
        {
            return Fail(new StsError(400, "MalformedPolicyDocument", $"Invalid Condition type : {unknown.Operator}"), requestId);
        }

        if (document.Statements.Any(s => s.Principal is not null))
        {
            return Fail(new StsError(400, "MalformedPolicyDocument", "Policy document should not specify a principal."), requestId);
        }

        if (!directory.InlinePolicies(role).TryPut(new InlinePolicy(policyName, json, document), out var aggregate))
        {
            return Fail(new StsError(409, "LimitExceeded", $"Maximum policy size of {RoleInlinePolicies.MaxAggregateCharacters} bytes exceeded for role {role.Name}"), requestId);
        }

        LogPolicyChanged(logger, "PutRolePolicy", caller.Arn, role.Arn, policyName, aggregate);
        return (200, Acknowledge("PutRolePolicyResponse", requestId));
    }

    private (int Status, byte[] Body) DeleteRolePolicy(IamRole role, string policyName, Principal caller, string requestId)
    {
        if (!directory.InlinePolicies(role).Delete(policyName))
        {
            return Fail(NoSuchPolicy(policyName), requestId);
        }

        LogPolicyChanged(logger, "DeleteRolePolicy", caller.Arn, role.Arn, policyName, 0);
        return (200, Acknowledge("DeleteRolePolicyResponse", requestId));
    }

    private (int Status, byte[] Body) GetRolePolicy(IamRole role, string policyName, string requestId)
    {
        if (!directory.InlinePolicies(role).Current.Policies.TryGetValue(policyName, out var policy))
        {
            return Fail(NoSuchPolicy(policyName), requestId);
        }

        return (200, Write(writer =>
        {
            writer.WriteStartElement("GetRolePolicyResponse", Namespace);
            writer.WriteStartElement("GetRolePolicyResult");
            writer.WriteElementString("RoleName", role.Name);
            writer.WriteElementString("PolicyName", policy.Name);
            writer.WriteElementString("PolicyDocument", Uri.EscapeDataString(policy.Json));
            writer.WriteEndElement();
            Metadata(writer, requestId);
            writer.WriteEndElement();
        }));
    }

    private static byte[] ListRolePolicies(RoleInlinePolicies.Snapshot policies, string requestId) => Write(writer =>
    {
        writer.WriteStartElement("ListRolePoliciesResponse", Namespace);
        writer.WriteStartElement("ListRolePoliciesResult");
        writer.WriteStartElement("PolicyNames");
        foreach (var name in policies.Policies.Keys)
        {
            writer.WriteElementString("member", name);
        }

        writer.WriteEndElement();
        writer.WriteElementString("IsTruncated", "false");
        writer.WriteEndElement();
        Metadata(writer, requestId);
        writer.WriteEndElement();
    });

    private static StsError NoSuchPolicy(string policyName) => new(404, "NoSuchEntity", $"The role policy with name {policyName} cannot be found.");

    private static (int Status, byte[] Body) Fail(StsError error, string requestId) => (error.Status, Error(error, requestId));

    private static byte[] Acknowledge(string element, string requestId) => Write(writer =>
    {
        writer.WriteStartElement(element, Namespace);
        Metadata(writer, requestId);
        writer.WriteEndElement();
    });

    private static void Metadata(XmlWriter writer, string requestId)
    {
        writer.WriteStartElement("ResponseMetadata");
        writer.WriteElementString("RequestId", requestId);
        writer.WriteEndElement();
    }

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "IAM {Action}: caller={Caller} role={Role} policy={PolicyName} inlineCharacters={Characters}")]
    private static partial void LogPolicyChanged(ILogger logger, string action, string caller, string role, string policyName, int characters);

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
