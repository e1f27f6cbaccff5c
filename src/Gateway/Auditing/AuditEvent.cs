using System.Collections;
using System.Globalization;
using System.Text;
using Gateway.Envelopes;

namespace Gateway.Auditing;

/// <summary>
/// The state of one audit log entry: the documented fields (<see cref="FieldNames"/>) as structured key/value pairs, so
/// the JSON console formatter writes them as JSON properties (<c>"State": {"event": "tenant.denied", …}</c>) that a SIEM
/// indexes, and <see cref="ToString"/> as the human message of the text formatter, where every value is a JSON string
/// literal (<see cref="LogValue"/>) so no request value can forge a line or a field. A missing value is JSON
/// <see langword="null"/> (text: <c>-</c>). Never a secret, claim set or policy.
/// </summary>
internal readonly struct AuditEvent : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>Field: <c>tenant.allowed</c>, <c>tenant.legacy</c>, <c>tenant.denied</c> or <c>request.refused</c>.</summary>
    public const string Event = "event";

    /// <summary>Field: <c>allow</c>, <c>legacy</c> (sent to a route's legacy cluster without scoped credentials) or <c>deny</c>.</summary>
    public const string Decision = "decision";

    public const string OrganizationId = "organizationId";
    public const string UserId = "userId";
    public const string Route = "route";

    /// <summary>Field: the problem code of a denial (as in the problem+json response); null for an allow.</summary>
    public const string Code = "code";

    /// <summary>Field: the STS RoleSessionName of the credentials handed to the backend (allow); CloudTrail's roleSessionName.</summary>
    public const string Session = "session";
    public const string RequestId = "requestId";

    /// <summary>Field: the W3C trace id (32 hex digits) of the request, when it is traced.</summary>
    public const string TraceId = "traceId";
    public const string Reason = "reason";
    public const string Role = "role";
    public const string PermissionSet = "permissionSet";

    /// <summary>Field: refusals with the same reason not logged since the previous <c>request.refused</c> line.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>Field: the legacy cluster a <c>tenant.legacy</c> request was sent to (no envelope, no scoped credentials).</summary>
    public const string Cluster = "cluster";

    public const string AllowedEvent = "tenant.allowed";
    public const string DeniedEvent = "tenant.denied";
    public const string RefusedEvent = "request.refused";
    public const string LegacyEvent = "tenant.legacy";

    /// <summary>Every field, in the order written.</summary>
    public static readonly IReadOnlyList<string> FieldNames =
        [Event, Decision, OrganizationId, UserId, Route, Code, Session, RequestId, TraceId, Reason, Role, PermissionSet, Suppressed, Cluster];

    /// <summary>The formatter passed to <see cref="ILogger.Log{TState}"/>.</summary>
    public static readonly Func<AuditEvent, Exception?, string> Formatter = static (state, _) => state.ToString();

    /// <summary>A builder grown past this (a huge value) is not kept for the thread's next line.</summary>
    private const int MaxCachedBuilderCapacity = 4096;

    [ThreadStatic]
    private static StringBuilder? t_builder;

    private readonly string _event;
    private readonly string _requestId;
    private readonly string? _organizationId;
    private readonly string? _userId;
    private readonly string? _route;
    private readonly string? _code;
    private readonly string? _session;
    private readonly string? _traceId;
    private readonly string? _reason;
    private readonly string? _role;
    private readonly string? _permissionSet;
    private readonly long? _suppressed;
    private readonly string? _cluster;

    private AuditEvent(string @event, string requestId, string? organizationId, string? userId, string? route, string? code, string? session, string? traceId, string? reason, string? role, string? permissionSet, long? suppressed, string? cluster = null)
    {
        _cluster = cluster;
        _event = @event;
        _requestId = requestId;
        _organizationId = organizationId;
        _userId = userId;
        _route = route;
        _code = code;
        _session = session;
        _traceId = traceId;
        _reason = reason;
        _role = role;
        _permissionSet = permissionSet;
        _suppressed = suppressed;
    }

    public int Count => 14;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new(Event, _event),
        1 => new(Decision, DecisionText),
        2 => new(OrganizationId, _organizationId),
        3 => new(UserId, _userId),
        4 => new(Route, _route),
        5 => new(Code, _code),
        6 => new(Session, _session),
        7 => new(RequestId, _requestId),
        8 => new(TraceId, _traceId),
        9 => new(Reason, _reason),
        10 => new(Role, _role),
        11 => new(PermissionSet, _permissionSet),
        12 => new(Suppressed, _suppressed),
        13 => new(Cluster, _cluster),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public static AuditEvent Allowed(string requestId, string organizationId, string userId, string route, string role, string permissionSet, string session, string? traceId)
        => new(AllowedEvent, requestId, organizationId, userId, route, null, session, traceId, null, role, permissionSet, null);

    public static AuditEvent Legacy(string requestId, string organizationId, string userId, string route, string role, string cluster, string? traceId)
        => new(LegacyEvent, requestId, organizationId, userId, route, null, null, traceId, null, role, null, null, cluster);

    /// <param name="suppressed">For throttled denials (<c>organization_rate_limited</c>): denials with the same organization not logged since the previous line; null otherwise.</param>
    public static AuditEvent Denied(string requestId, string? organizationId, string? userId, string route, string code, string reason, string? traceId, long? suppressed = null)
        => new(DeniedEvent, requestId, organizationId, userId, route, code, null, traceId, reason, null, null, suppressed);

    public static AuditEvent Refused(string requestId, string? route, string code, string reason, long suppressed, string? traceId)
        => new(RefusedEvent, requestId, null, null, route, code, null, traceId, reason, null, null, suppressed);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The text formatter's one-line message; every value quoted by <see cref="LogValue.Quote"/>.</summary>
    public override string ToString()
    {
        // One builder per thread, reused: the line is built once per audited request (every allow at the default sample
        // rate), and the quoted values are appended in place (LogValue.AppendQuoted), so the line is the only string.
        var text = t_builder ?? new StringBuilder(256);
        t_builder = null;
        text.Clear().Append("audit decision=").Append(DecisionText);
        Append(text, RequestId, _requestId);
        if (_event != RefusedEvent)
        {
            Append(text, OrganizationId, _organizationId);
            Append(text, UserId, _userId);
        }

        Append(text, Route, _route);
        if (_event == AllowedEvent)
        {
            Append(text, Role, _role);
            Append(text, PermissionSet, _permissionSet);
            Append(text, Session, _session);
        }
        else if (_event == LegacyEvent)
        {
            Append(text, Role, _role);
            Append(text, Cluster, _cluster);
            text.Append(" credentials=none");
        }
        else
        {
            Append(text, Code, _code);
            Append(text, Reason, _reason);
        }

        if (_event == RefusedEvent || _suppressed is not null)
        {
            text.Append(' ').Append(Suppressed).Append('=').Append(_suppressed.GetValueOrDefault().ToString(CultureInfo.InvariantCulture));
        }

        var line = text.ToString();
        if (text.Capacity <= MaxCachedBuilderCapacity)
        {
            t_builder = text;
        }

        return line;
    }

    private string DecisionText => _event switch
    {
        AllowedEvent => "allow",
        LegacyEvent => "legacy",
        _ => "deny",
    };

    private static void Append(StringBuilder text, string name, string? value) => LogValue.AppendQuoted(text.Append(' ').Append(name).Append('='), value);
}
