using System.Diagnostics;

namespace Gateway.Isolation.Diagnostics;

/// <summary>
/// The isolation engine's <see cref="ActivitySource"/> and its span and attribute names. Spans: one per evaluation
/// (<see cref="EvaluateSpan"/>) with children for the membership lookup (<see cref="MembershipSpan"/>), credential
/// acquisition (<see cref="CredentialsSpan"/>, tagged with the cache result) and the STS call (<see cref="AssumeRoleSpan"/>).
/// Attributes carry organization, permission set, outcome code and cache result; never a secret, token, policy or
/// claim. With no listener (no tracer configured) <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null and nothing is allocated.
/// </summary>
public static class IsolationTelemetry
{
    /// <summary>The activity source name, for <c>AddSource</c> in a tracer provider.</summary>
    public const string ActivitySourceName = "gateway.isolation";

    public const string EvaluateSpan = "tenant_isolation.evaluate";
    public const string MembershipSpan = "tenant_isolation.membership";
    public const string CredentialsSpan = "tenant_isolation.credentials";
    public const string AssumeRoleSpan = "sts.AssumeRole";

    /// <summary>Attribute: the organization id.</summary>
    public const string OrganizationTag = "organization.id";

    /// <summary>Attribute: the permission set's name.</summary>
    public const string PermissionSetTag = "gateway.permission_set";

    /// <summary>Attribute: the outcome code (<c>ok</c> or the snake_case denial reason / problem code).</summary>
    public const string OutcomeTag = "gateway.outcome";

    /// <summary>Attribute: <c>hit</c>, <c>miss</c> or <c>refresh</c> (a hit that started a refresh-ahead).</summary>
    public const string CacheTag = "gateway.cache";

    /// <summary>Attribute: the STS RoleSessionName (what CloudTrail records as the session).</summary>
    public const string SessionTag = "aws.sts.role_session_name";

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    /// <summary>Tags the current span with the cache result when it is one of ours (a credentials or membership span).</summary>
    internal static void CacheResult(string result)
    {
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, Source))
        {
            activity.SetTag(CacheTag, result);
        }
    }
}
