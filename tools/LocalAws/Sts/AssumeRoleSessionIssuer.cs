using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using LocalAws.Diagnostics;
using LocalAws.Identity;

namespace LocalAws.Sts;

/// <summary>
/// Turns a validated <see cref="AssumeRoleRequest"/> into a session, in AWS's order: the role (unknown → AccessDenied),
/// duration against the role's maximum and the role-chaining hour, the caller's identity policy and the role's trust
/// policy for <c>sts:AssumeRole</c> (+ <c>sts:TagSession</c>, <c>sts:SetSourceIdentity</c>), the session policy's JSON,
/// the packed size; then mints <c>ASIA…</c> credentials into the <see cref="CredentialStore"/>.
/// </summary>
internal sealed class AssumeRoleSessionIssuer(IamDirectory directory, CredentialStore credentials, LocalClock clock, ILogger<AssumeRoleSessionIssuer> logger)
{
    public const int RoleChainingMaxSeconds = 3600;

    /// <summary>
    /// Documented LocalAws packing rule: the session policy and the session tags (key=value) are deflated; the packed
    /// size is that length as a percentage of 2,048 bytes, and over 100 % is PackedPolicyTooLarge.
    /// </summary>
    public const int PackedLimitBytes = 2048;

    public AssumeRoleOutcome Issue(Principal caller, AssumeRoleRequest request)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!directory.TryFindRole(request.RoleArn, out var role))
        {
            return Fail(StsError.AccessDenied($"User: {caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {request.RoleArn}"));
        }

        if (request.DurationSeconds > role.MaxSessionDurationSeconds)
        {
            return Fail(StsError.Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."));
        }

        if (caller.IsSession && request.DurationSeconds > RoleChainingMaxSeconds)
        {
            return Fail(StsError.Validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."));
        }

        var requestKeys = RequestKeys(request);
        foreach (var action in Actions(request))
        {
            if (Deny(caller, role, action, requestKeys) is { } denial)
            {
                return Fail(denial);
            }
        }

        PolicyDocument? sessionPolicy = null;
        if (request.Policy is not null)
        {
            try
            {
                sessionPolicy = PolicyDocument.Parse(request.Policy);
            }
            catch (PolicyDocumentException e)
            {
                return Fail(new StsError(400, "MalformedPolicyDocument", $"The policy is not in the valid JSON format or is not a valid policy: {e.Message}"));
            }
        }

        var packedPercent = PackedPercent(request.Policy, request.Tags);
        if (packedPercent > 100)
        {
            return Fail(new StsError(400, "PackedPolicyTooLarge", $"Packed size of the session policy and session tags consumes {packedPercent}% of the allotted space. Reduce the policy or the number and size of tags."));
        }

        var session = Mint(role, request, sessionPolicy);
        credentials.AddSession(session);
        Log.AssumedRole(logger, caller.Arn, role.Arn, request.RoleSessionName, request.SourceIdentity ?? "-", request.DurationSeconds, sessionPolicy is not null, packedPercent);
        return AssumeRoleOutcome.Issued(new AssumeRoleResult
        {
            AccessKeyId = session.AccessKeyId,
            SecretAccessKey = session.SecretAccessKey,
            SessionToken = session.SessionToken!,
            Expiration = session.Expiration!.Value,
            Arn = session.Arn,
            AssumedRoleId = session.UserId,
            PackedPolicySize = request.Policy is null && request.Tags.Count == 0 ? null : packedPercent,
            SourceIdentity = request.SourceIdentity,
        });
    }

    /// <summary>The session principal: the role's identity policies (its inline ones read live), the session policy, and
    /// its condition keys (aws:userid = roleId:sessionName, aws:TokenIssueTime, aws:PrincipalTag/K per session tag…).</summary>
    private Principal Mint(IamRole role, AssumeRoleRequest request, PolicyDocument? sessionPolicy)
    {
        // Whole seconds, as AWS reports them: aws:TokenIssueTime (ISO 8601) and Expiration = issue time + duration.
        var issued = clock.GetUtcNow();
        issued = issued.AddTicks(-(issued.Ticks % TimeSpan.TicksPerSecond));
        var expiration = issued.AddSeconds(request.DurationSeconds);
        var assumedRoleId = $"{role.RoleId}:{request.RoleSessionName}";
        var principalKeys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:PrincipalArn"] = [role.Arn],
            ["aws:userid"] = [assumedRoleId],
            ["aws:TokenIssueTime"] = [issued.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)],
            ["aws:PrincipalAccount"] = [directory.AccountId],
            ["aws:PrincipalType"] = ["AssumedRole"],
        };
        if (request.SourceIdentity is not null) { principalKeys["aws:SourceIdentity"] = [request.SourceIdentity]; }
        foreach (var tag in request.Tags)
        {
            principalKeys["aws:PrincipalTag/" + tag.Key] = [tag.Value];
        }

        return new Principal
        {
            Arn = $"arn:aws:sts::{directory.AccountId}:assumed-role/{role.Name}/{request.RoleSessionName}",
            UserId = assumedRoleId,
            AccessKeyId = "ASIA" + RandomString(16),
            SecretAccessKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)),
            SessionToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(120)),
            Expiration = expiration,
            IdentityPolicies = role.Policies,
            InlinePolicies = directory.InlinePolicies(role),
            SessionPolicy = sessionPolicy,
            Context = new RequestContext(principalKeys),
        };
    }

    /// <summary>The request-side condition keys the identity and trust policies see (sts:RoleSessionName, aws:RequestTag/K…).</summary>
    private static Dictionary<string, IReadOnlyList<string>> RequestKeys(AssumeRoleRequest request)
    {
        var keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["sts:RoleSessionName"] = [request.RoleSessionName],
        };
        if (request.ExternalId is not null) { keys["sts:ExternalId"] = [request.ExternalId]; }
        if (request.SourceIdentity is not null) { keys["sts:SourceIdentity"] = [request.SourceIdentity]; }
        if (request.Tags.Count > 0)
        {
            keys["aws:TagKeys"] = request.Tags.Select(t => t.Key).ToArray();
            foreach (var tag in request.Tags)
            {
                keys["aws:RequestTag/" + tag.Key] = [tag.Value];
            }
        }

        return keys;
    }

    private static List<string> Actions(AssumeRoleRequest request)
    {
        var actions = new List<string> { "sts:AssumeRole" };
        if (request.Tags.Count > 0) { actions.Add("sts:TagSession"); }
        if (request.SourceIdentity is not null) { actions.Add("sts:SetSourceIdentity"); }
        return actions;
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

    private static int PackedPercent(string? policy, IReadOnlyList<KeyValuePair<string, string>> tags)
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

    private static AssumeRoleOutcome Fail(StsError error) => AssumeRoleOutcome.Failed(error);

    private static string RandomString(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
