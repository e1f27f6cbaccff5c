using System.Globalization;
using Amazon.Runtime;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using Gateway.Policies.Revocations;

namespace Gateway.Verification;

/// <summary>
/// verify's checks of the tenant role(s) around <c>revoke</c>, with the gateway's own identity:
/// <list type="bullet">
/// <item><see cref="WriteCheckName"/>: the gateway cannot change its tenant role. Probed with iam:PutRolePolicy of
/// <see cref="ProbeDocument"/> under <see cref="ProbePolicyName"/>: a document IAM refuses as malformed (an unknown
/// condition operator) once the call is authorized, so an allowed probe changes nothing; only AccessDenied passes. Were
/// it ever stored it would be a Deny of an action the role never allows, and verify deletes it at once.</item>
/// <item><see cref="RevocationsCheckName"/>: the role's <see cref="TenantRevocations.PolicyName"/> policy (read with
/// iam:GetRolePolicy) is one revoke wrote (<see cref="TenantRevocations.Parse"/>: a foreign statement fails), no active
/// cut-off lies in the future, and each active entry, evaluated by the project's IAM evaluator, denies a session of its
/// scope issued before the cut-off and neither a fresh one nor another organization's.</item>
/// </list>
/// What verify cannot prove: that AWS refuses a real session issued before a cut-off — its own sessions are fresh.
/// <c>revoke</c> proves that at the time of the revocation; verify then proves a fresh session of each revoked
/// organization is not locked out (<see cref="FreshSessionCheckName"/>, run by <see cref="VerificationRunner"/>).
/// </summary>
public static class TenantRoleRevocations
{
    /// <summary>The inline policy name of the write probe (never a name revoke uses).</summary>
    public const string ProbePolicyName = "tenant-gateway-verify-probe";

    /// <summary>
    /// Malformed on purpose (condition operator <c>VerifyProbeNeverValid</c> does not exist): IAM answers an authorized
    /// PutRolePolicy with MalformedPolicyDocument and stores nothing. Deny-only, so even stored it could not widen anything.
    /// </summary>
    public const string ProbeDocument = """{"Version":"2012-10-17","Statement":[{"Sid":"VerifyProbe","Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*","Condition":{"VerifyProbeNeverValid":{"aws:username":"tenant-gateway-verify"}}}]}""";

    public const string WriteExpected = "AccessDenied";
    public const string RevocationsExpected = "none, or revoke's entries only";

    /// <summary>At most this many revoked organizations get a fresh-session probe per run (bounded work).</summary>
    public const int MaxFreshSessionProbes = 10;

    public static string WriteCheckName(string role) => $"gateway identity cannot write tenant role {role} (PutRolePolicy)";

    public static string RevocationsCheckName(string role) => $"{TenantRevocations.PolicyName} on {role}";

    public static string FreshSessionCheckName(string organization) => $"{organization}: a fresh session is not refused by its revocation";

    /// <summary>PutRolePolicy of the probe with the gateway's identity: passes only on a genuine AccessDenied.</summary>
    public static async Task<VerificationCheck> CheckWriteRefusedAsync(IamClient? iam, string callerArn, string role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        var name = WriteCheckName(role);
        if (iam is null)
        {
            return new VerificationCheck(name, WriteExpected, "not checked (no IAM client)", false);
        }

        var who = $"{callerArn} may call iam:PutRolePolicy on {role} at {iam.Endpoint}";
        try
        {
            await iam.PutRolePolicyAsync(role, ProbePolicyName, ProbeDocument, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e) when (e.ErrorCode is "AccessDenied" or "AccessDeniedException")
        {
            return new VerificationCheck(name, WriteExpected, "AccessDenied", true);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "MalformedPolicyDocument")
        {
            return new VerificationCheck(name, WriteExpected, $"allowed: {who} (the probe was refused only as MalformedPolicyDocument; nothing written)", false);
        }
        catch (AmazonServiceException e)
        {
            return new VerificationCheck(name, WriteExpected, string.IsNullOrEmpty(e.ErrorCode) ? e.GetType().Name : e.ErrorCode, false);
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new VerificationCheck(name, WriteExpected, $"error: {e.GetType().Name} calling {iam.Endpoint} ({VerificationEndpoints.Cause(e)})", false);
        }

        // Stored: remove it again (a Deny the role never needed) and fail.
        string removed;
        try
        {
            removed = await iam.DeleteRolePolicyAsync(role, ProbePolicyName, cancellationToken).ConfigureAwait(false) ? "probe deleted" : "probe not found";
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException or TimeoutException)
        {
            removed = $"probe NOT deleted: remove inline policy {ProbePolicyName} by hand";
        }

        return new VerificationCheck(name, WriteExpected, $"allowed: {who} (the probe was written; {removed})", false);
    }

    /// <summary>Reads and judges the role's revocations; returns the check and the organizations with active entries.</summary>
    public static async Task<(VerificationCheck Check, IReadOnlyList<OrganizationId> Revoked)> CheckRevocationsAsync(IamClient? iam, string role, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        var name = RevocationsCheckName(role);
        (VerificationCheck, IReadOnlyList<OrganizationId>) Fail(string observed) => (new VerificationCheck(name, RevocationsExpected, observed, false), []);
        if (iam is null)
        {
            return Fail("not checked (no IAM client)");
        }

        string? json;
        TimeSpan maxSession;
        try
        {
            json = await iam.GetRolePolicyAsync(role, TenantRevocations.PolicyName, cancellationToken).ConfigureAwait(false);
            maxSession = json is null ? TimeSpan.Zero : await iam.GetMaxSessionDurationAsync(role, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            return Fail($"cannot inspect ({(string.IsNullOrEmpty(e.ErrorCode) ? e.GetType().Name : e.ErrorCode)})");
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Fail($"cannot inspect (error: {e.GetType().Name} calling {iam.Endpoint} ({VerificationEndpoints.Cause(e)}))");
        }

        if (json is null)
        {
            return (new VerificationCheck(name, RevocationsExpected, "none in force", true), []);
        }

        TenantRevocations revocations;
        PolicyDocument stored;
        try
        {
            revocations = TenantRevocations.Parse(json);
            stored = PolicyDocument.Parse(json);
        }
        catch (PolicyDocumentException e)
        {
            return Fail(e.Message);
        }

        var active = revocations.Prune(now, maxSession, out _).Entries;
        var problems = active.Select(entry => Judge(stored, entry, now)).OfType<string>().ToList();
        var organizations = active.Select(e => e.Organization).Distinct().OrderBy(o => o.Value, StringComparer.Ordinal).ToList();
        if (problems.Count > 0)
        {
            // Still the organizations: their fresh sessions are probed live too.
            return (new VerificationCheck(name, RevocationsExpected, string.Join("; ", problems), false), organizations);
        }

        var observed = string.Create(CultureInfo.InvariantCulture, $"{active.Count} active ({string.Join(", ", organizations.Select(o => o.Value))}), each denies only older sessions of its scope");
        return (new VerificationCheck(name, RevocationsExpected, active.Count == 0 ? "none active" : observed, true), organizations);
    }

    /// <summary>
    /// Null when the <paramref name="stored"/> document, evaluated by the project's IAM evaluator, treats
    /// <paramref name="entry"/>'s scope as a revocation must: a session issued a second before the cut-off is denied,
    /// one issued at the cut-off and now are not, nor another organization's older session; else why not.
    /// </summary>
    internal static string? Judge(PolicyDocument stored, Revocation entry, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(entry);
        var at = entry.IssuedBefore.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (entry.IssuedBefore > now)
        {
            return $"{entry.Organization}: cut-off {at} is in the future, so fresh sessions are refused too";
        }

        var identity = entry.SourceIdentities.Count > 0 ? entry.SourceIdentities[0] : "tenant-gateway";
        var other = entry.Organization.Value == "zz-verify-other" ? "zz-verify-another" : "zz-verify-other";
        bool Denied(string organization, DateTimeOffset issued) => PolicyEvaluator.Evaluate(stored, new AuthorizationRequest(
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:000000000000:table/any",
            RequestContext.FromSingleValues(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["aws:PrincipalTag/organizationId"] = organization,
                ["aws:SourceIdentity"] = identity,
                ["aws:TokenIssueTime"] = issued.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            }))).Decision == Decision.ExplicitDeny;

        if (!Denied(entry.Organization.Value, entry.IssuedBefore.AddSeconds(-1)))
        {
            return $"{entry.Organization}: a session issued before {at} is not denied";
        }

        if (Denied(entry.Organization.Value, entry.IssuedBefore) || Denied(entry.Organization.Value, now))
        {
            return $"{entry.Organization}: a session issued at {at} or later is denied";
        }

        return Denied(other, entry.IssuedBefore.AddSeconds(-1)) ? $"{entry.Organization}: another organization's older session is denied" : null;
    }
}
