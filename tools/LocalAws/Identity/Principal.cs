using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;

namespace LocalAws.Identity;

/// <summary>
/// Who signed a request: an IAM user (long-term key) or an assumed-role session (temporary key + session token).
/// Holds the signing secret for verification only; <see cref="ToString"/> never shows it.
/// </summary>
internal sealed class Principal
{
    public required string Arn { get; init; }

    /// <summary>AWS "UserId" as GetCallerIdentity reports it (AIDA… for users, AROA…:session for sessions).</summary>
    public required string UserId { get; init; }

    public required string AccessKeyId { get; init; }
    public required string SecretAccessKey { get; init; }

    /// <summary>Null for IAM users.</summary>
    public string? SessionToken { get; init; }

    public DateTimeOffset? Expiration { get; init; }
    public required IReadOnlyList<PolicyDocument> IdentityPolicies { get; init; }

    /// <summary>For a role session: the role's inline policies put through IAM's API, read at every request (so a
    /// policy put after the session was assumed applies to it). Null for IAM users.</summary>
    public RoleInlinePolicies? InlinePolicies { get; init; }

    /// <summary>The session policy passed to AssumeRole (null when none was passed, or for IAM users).</summary>
    public PolicyDocument? SessionPolicy { get; init; }

    /// <summary>Condition keys describing the principal (aws:PrincipalArn, aws:PrincipalTag/K, aws:SourceIdentity…).</summary>
    public required RequestContext Context { get; init; }

    public bool IsSession => SessionToken is not null;

    /// <summary>The identity policies in force for <paramref name="inline"/> (a snapshot of <see cref="InlinePolicies"/>):
    /// the source-defined ones plus the inline ones.</summary>
    public IReadOnlyList<PolicyDocument> IdentityPoliciesWith(RoleInlinePolicies.Snapshot? inline)
        => inline is null || inline.Documents.Count == 0 ? IdentityPolicies : [.. IdentityPolicies, .. inline.Documents];

    public override string ToString() => $"Principal {{ Arn = {Arn}, AccessKeyId = {AccessKeyId} }}";
}
