using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using LocalAws.Configuration;
using LocalAws.Diagnostics;
using LocalAws.Identity;
using LocalAws.Signing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace LocalAws.Sts;

/// <summary>
/// STS over the Query protocol: AssumeRole and GetCallerIdentity. Validates like AWS (SigV4, parameter constraints,
/// caller identity policy, role trust policy, sts:TagSession / sts:SetSourceIdentity, policy JSON and size) and answers
/// with AWS-shaped XML.
/// </summary>
internal sealed partial class StsEndpoint(
    LocalAwsConfig config,
    RequestAuthenticator authenticator,
    CredentialStore credentials,
    LocalClock clock,
    FaultInjector faults,
    LocalAwsStats stats,
    ILogger<StsEndpoint> logger)
{
    public const string Service = "sts";
    public const int MaxPolicyLength = 2048;
    public const int MinDurationSeconds = 900;
    public const int RoleChainingMaxSeconds = 3600;

    /// <summary>
    /// Documented LocalAws packing rule: the session policy and the session tags (key=value) are deflated; the packed
    /// size is that length as a percentage of 2,048 bytes, and over 100 % is PackedPolicyTooLarge.
    /// </summary>
    public const int PackedLimitBytes = 2048;

    private const int MaxBodyBytes = 64 * 1024;

    private readonly Dictionary<string, IamRole> _roles = config.Roles.ToDictionary(r => r.Arn, StringComparer.Ordinal);

    public static bool IsStsRequest(HttpRequest request)
        => HttpMethods.IsPost(request.Method)
           && request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var requestId = Guid.NewGuid().ToString();
        var body = await RequestBody.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await WriteAsync(context, StsXml.Error(StsError.Validation("Request body is too large."), requestId), 400, requestId);
            return;
        }

        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        var action = Get(form, "Action") ?? string.Empty;
        if (action == "AssumeRole")
        {
            stats.AssumeRoleCalled();
            var fault = faults.Current;
            if (fault.Mode == StsFaultMode.Latency && fault.Latency > TimeSpan.Zero)
            {
                await Task.Delay(fault.Latency, context.RequestAborted);
            }

            StsError? injected = fault.Mode switch
            {
                StsFaultMode.Throttle => new StsError(400, "Throttling", "Rate exceeded"),
                StsFaultMode.Error => new StsError(500, "InternalFailure", "LocalAws injected an internal failure."),
                StsFaultMode.Unavailable => new StsError(503, "ServiceUnavailable", "LocalAws injected service unavailability."),
                _ => null,
            };
            if (injected is not null)
            {
                await FailAsync(context, action, null, injected, requestId);
                return;
            }
        }

        var auth = authenticator.Authenticate(context.Request, body, Service);
        if (!auth.Succeeded)
        {
            var error = auth.Failure switch
            {
                AuthFailure.MissingAuthenticationToken => new StsError(403, "MissingAuthenticationToken", auth.Message),
                AuthFailure.IncompleteSignature => new StsError(400, "IncompleteSignature", auth.Message),
                AuthFailure.UnrecognizedClient => new StsError(403, "InvalidClientTokenId", auth.Message),
                AuthFailure.ExpiredToken => new StsError(400, "ExpiredToken", auth.Message),
                _ => new StsError(403, "SignatureDoesNotMatch", auth.Message),
            };
            Log.AuthenticationFailed(logger, Service, auth.AccessKeyId, error.Code, auth.Message);
            await FailAsync(context, action, null, error, requestId);
            return;
        }

        var caller = auth.Principal;
        switch (action)
        {
            case "AssumeRole":
                var outcome = AssumeRole(caller, form);
                if (outcome.Error is not null)
                {
                    await FailAsync(context, action, caller.Arn, outcome.Error, requestId);
                    return;
                }

                stats.AssumeRoleSucceeded();
                await WriteAsync(context, StsXml.AssumeRole(outcome.Result!, requestId), 200, requestId);
                return;
            case "GetCallerIdentity":
                await WriteAsync(context, StsXml.GetCallerIdentity(caller.Arn, caller.UserId, config.AccountId, requestId), 200, requestId);
                return;
            default:
                await FailAsync(context, action, caller.Arn, new StsError(400, "InvalidAction", $"Could not find operation {action} for version 2011-06-15"), requestId);
                return;
        }
    }

    private (AssumeRoleResult? Result, StsError? Error) AssumeRole(Principal caller, Dictionary<string, StringValues> form)
    {
        var roleArn = Get(form, "RoleArn");
        var sessionName = Get(form, "RoleSessionName");
        var policyText = Get(form, "Policy");
        var sourceIdentity = Get(form, "SourceIdentity");
        var externalId = Get(form, "ExternalId");
        var durationText = Get(form, "DurationSeconds");

        if (roleArn is null)
        {
            return Fail(StsError.ValidationConstraint("roleArn", "Member must not be null"));
        }

        if (roleArn.Length is < 20 or > 2048)
        {
            return Fail(StsError.ValidationConstraint("roleArn", "Member must have length between 20 and 2048"));
        }

        if (sessionName is null)
        {
            return Fail(StsError.ValidationConstraint("roleSessionName", "Member must not be null"));
        }

        if (SessionNameError(sessionName, "roleSessionName") is { } nameError)
        {
            return Fail(nameError);
        }

        if (sourceIdentity is not null)
        {
            if (SessionNameError(sourceIdentity, "sourceIdentity") is { } sourceError)
            {
                return Fail(sourceError);
            }

            if (sourceIdentity.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                return Fail(StsError.Validation("SourceIdentity cannot start with the reserved prefix 'aws:'."));
            }
        }

        if (externalId is not null && (externalId.Length is < 2 or > 1224 || !ExternalIdPattern().IsMatch(externalId)))
        {
            return Fail(StsError.ValidationConstraint("externalId", "Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*"));
        }

        var duration = 3600;
        if (durationText is not null && (!int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out duration) || duration < MinDurationSeconds || duration > 43200))
        {
            return Fail(StsError.ValidationConstraint("durationSeconds", "Member must have value between 900 and 43200"));
        }

        if (policyText is not null)
        {
            if (policyText.Length > MaxPolicyLength)
            {
                return Fail(StsError.ValidationConstraint("policy", $"Member must have length less than or equal to {MaxPolicyLength}"));
            }

            if (policyText.Length == 0)
            {
                return Fail(StsError.ValidationConstraint("policy", "Member must have length greater than or equal to 1"));
            }

            if (policyText.Any(c => c is not ('\t' or '\n' or '\r') && c is < '\u0020' or > '\u00FF'))
            {
                return Fail(StsError.ValidationConstraint("policy", "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"));
            }
        }

        var tags = new List<KeyValuePair<string, string>>();
        for (var i = 1; ; i++)
        {
            var key = Get(form, $"Tags.member.{i}.Key");
            if (key is null)
            {
                break;
            }

            var value = Get(form, $"Tags.member.{i}.Value") ?? string.Empty;
            if (key.Length is < 1 or > 128 || value.Length > 256)
            {
                return Fail(StsError.ValidationConstraint($"tags.{i}.member", "Tag keys must have 1-128 characters and values at most 256"));
            }

            tags.Add(new(key, value));
        }

        if (tags.Count > 50)
        {
            return Fail(StsError.ValidationConstraint("tags", "Member must have length less than or equal to 50"));
        }

        if (tags.GroupBy(t => t.Key, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            return Fail(StsError.Validation("Duplicate tag keys found. Please note that Tag keys are case insensitive."));
        }

        var transitive = new List<string>();
        for (var i = 1; Get(form, $"TransitiveTagKeys.member.{i}") is { } transitiveKey; i++)
        {
            transitive.Add(transitiveKey);
        }

        if (transitive.Any(t => !tags.Any(tag => string.Equals(tag.Key, t, StringComparison.OrdinalIgnoreCase))))
        {
            return Fail(StsError.Validation("The specified transitive tag key must be included in the requested tags."));
        }

        // PolicyArns.member.N.arn: accepted and ignored (LocalAws has no managed policies); see docs/localaws.md.

        if (!_roles.TryGetValue(roleArn, out var role))
        {
            return Fail(StsError.AccessDenied($"User: {caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}"));
        }

        if (duration > role.MaxSessionDurationSeconds)
        {
            return Fail(StsError.Validation($"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
        }

        if (caller.IsSession && duration > RoleChainingMaxSeconds)
        {
            return Fail(StsError.Validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."));
        }

        var requestKeys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = [sessionName],
        };
        if (externalId is not null) { requestKeys["sts:ExternalId"] = [externalId]; }
        if (sourceIdentity is not null) { requestKeys["sts:SourceIdentity"] = [sourceIdentity]; }
        if (tags.Count > 0)
        {
            requestKeys["aws:TagKeys"] = tags.Select(t => t.Key).ToArray();
            foreach (var tag in tags)
            {
                requestKeys["aws:RequestTag/" + tag.Key] = [tag.Value];
            }
        }

        var actions = new List<string> { "sts:AssumeRole" };
        if (tags.Count > 0) { actions.Add("sts:TagSession"); }
        if (sourceIdentity is not null) { actions.Add("sts:SetSourceIdentity"); }
        foreach (var stsAction in actions)
        {
            if (Deny(caller, role, stsAction, requestKeys) is { } denial)
            {
                return Fail(denial);
            }
        }

        PolicyDocument? sessionPolicy = null;
        if (policyText is not null)
        {
            try
            {
                sessionPolicy = PolicyDocument.Parse(policyText);
            }
            catch (PolicyDocumentException e)
            {
                return Fail(new StsError(400, "MalformedPolicyDocument", $"The policy is not in the valid JSON format or is not a valid policy: {e.Message}"));
            }
        }

        var packedPercent = PackedPercent(policyText, tags);
        if (packedPercent > 100)
        {
            return Fail(new StsError(400, "PackedPolicyTooLarge", $"Packed size of the session policy and session tags consumes {packedPercent}% of the allotted space. Reduce the policy or the number and size of tags."));
        }

        var now = clock.GetUtcNow();
        var expiration = now.AddSeconds(duration);
        expiration = expiration.AddTicks(-(expiration.Ticks % TimeSpan.TicksPerSecond));
        var accessKeyId = "ASIA" + RandomString(16);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(120));
        var sessionArn = $"arn:aws:sts::{config.AccountId}:assumed-role/{role.Name}/{sessionName}";
        var assumedRoleId = $"{role.RoleId}:{sessionName}";

        var principalKeys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:PrincipalArn"] = [role.Arn],
            ["aws:userid"] = [assumedRoleId],
            ["aws:PrincipalAccount"] = [config.AccountId],
            ["aws:PrincipalType"] = ["AssumedRole"],
        };
        if (sourceIdentity is not null) { principalKeys["aws:SourceIdentity"] = [sourceIdentity]; }
        foreach (var tag in tags)
        {
            principalKeys["aws:PrincipalTag/" + tag.Key] = [tag.Value];
        }

        credentials.AddSession(new Principal
        {
            Arn = sessionArn,
            UserId = assumedRoleId,
            AccessKeyId = accessKeyId,
            SecretAccessKey = secret,
            SessionToken = token,
            Expiration = expiration,
            IdentityPolicies = role.Policies,
            SessionPolicy = sessionPolicy,
            Context = new RequestContext(principalKeys),
        });
        Log.AssumedRole(logger, caller.Arn, role.Arn, sessionName, duration, sessionPolicy is not null, packedPercent);
        return (new AssumeRoleResult
        {
            AccessKeyId = accessKeyId,
            SecretAccessKey = secret,
            SessionToken = token,
            Expiration = expiration,
            Arn = sessionArn,
            AssumedRoleId = assumedRoleId,
            PackedPolicySize = policyText is null && tags.Count == 0 ? null : packedPercent,
            SourceIdentity = sourceIdentity,
        }, null);
    }

    /// <summary>Identity policy of the caller, then the role's trust policy. Null when both allow.</summary>
    private static StsError? Deny(Principal caller, IamRole role, string action, Dictionary<string, IReadOnlyList<string>> requestKeys)
    {
        var request = new AuthorizationRequest(action, role.Arn, caller.Context.With(requestKeys)) { PrincipalArn = caller.Arn };
        var identity = Authorizer.Authorize(caller, request);
        EvaluationResult trust;
        try
        {
            trust = identity.IsAllowed ? PolicyEvaluator.EvaluateTrust(role.TrustPolicy, request) : identity;
        }
#pragma warning disable CA1031 // Fail closed.
        catch (Exception e)
#pragma warning restore CA1031
        {
            trust = new EvaluationResult(Decision.ImplicitDeny, $"trust evaluation failed ({e.GetType().Name})");
        }

        return trust.IsAllowed ? null : StsError.AccessDenied($"User: {caller.Arn} is not authorized to perform: {action} on resource: {role.Arn}");
    }

    private static int PackedPercent(string? policy, List<KeyValuePair<string, string>> tags)
    {
        if (policy is null && tags.Count == 0)
        {
            return 0;
        }

        var text = new StringBuilder(policy ?? string.Empty);
        foreach (var tag in tags)
        {
            text.Append('\n').Append(tag.Key).Append('=').Append(tag.Value);
        }

        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }

        return (int)Math.Ceiling(buffer.Length * 100.0 / PackedLimitBytes);
    }

    private static StsError? SessionNameError(string value, string member)
    {
        if (value.Length is < 2 or > 64)
        {
            return StsError.ValidationConstraint(member, "Member must have length between 2 and 64");
        }

        return SessionNamePattern().IsMatch(value)
            ? null
            : StsError.ValidationConstraint(member, "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    }

    private static (AssumeRoleResult?, StsError?) Fail(StsError error) => (null, error);

    private async Task FailAsync(HttpContext context, string action, string? caller, StsError error, string requestId)
    {
        stats.StsError(error.Code);
        Log.StsError(logger, action, caller, error.Code, error.Message);
        await WriteAsync(context, StsXml.Error(error, requestId), error.Status, requestId);
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

    private static string? Get(Dictionary<string, StringValues> form, string name)
        => form.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    private static string RandomString(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        return RandomNumberGenerator.GetString(alphabet, length);
    }

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@:/-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ExternalIdPattern();
}
