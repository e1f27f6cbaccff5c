using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Policies.Documents;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Revocations;

/// <summary>
/// One revocation: every session of <see cref="Organization"/> issued before <see cref="IssuedBefore"/> is denied
/// everything — or, with <see cref="SourceIdentities"/>, only the sessions carrying one of those SourceIdentity values
/// (a user's own sessions, and in <c>CredentialScope=Organization</c> the organization's shared ones the user held).
/// </summary>
public sealed record Revocation
{
    public Revocation(OrganizationId organization, DateTimeOffset issuedBefore, IReadOnlyList<string>? sourceIdentities = null)
    {
        if (!organization.IsValid)
        {
            throw new ArgumentException("The organization id is not initialized.", nameof(organization));
        }

        var identities = (sourceIdentities ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (identities.Any(i => !SessionNames.IsValid(i)))
        {
            throw new ArgumentException("A SourceIdentity must be 2–64 characters of [\\w+=,.@-].", nameof(sourceIdentities));
        }

        Organization = organization;
        // IAM compares aws:TokenIssueTime with second precision at best: a cut-off is a whole UTC second.
        IssuedBefore = new DateTimeOffset(issuedBefore.UtcTicks - (issuedBefore.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        SourceIdentities = identities;
    }

    public OrganizationId Organization { get; }

    /// <summary>The cut-off (UTC, whole seconds): sessions issued strictly before it are denied.</summary>
    public DateTimeOffset IssuedBefore { get; }

    /// <summary>Empty: every session of the organization; otherwise only sessions with one of these SourceIdentity values.</summary>
    public IReadOnlyList<string> SourceIdentities { get; }

    /// <summary>Whose sessions: the organization, or the organization and SourceIdentity values — what one entry stands for.</summary>
    public string Scope => SourceIdentities.Count == 0
        ? Organization.Value
        : string.Concat(Organization.Value, " [", string.Join(", ", SourceIdentities), "]");

    public bool Equals(Revocation? other)
        => other is not null
           && Organization == other.Organization
           && IssuedBefore == other.IssuedBefore
           && SourceIdentities.SequenceEqual(other.SourceIdentities, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Organization, IssuedBefore, SourceIdentities.Count);

    /// <summary>The statement id: a hash of the scope (not the cut-off), so a later revocation of the same scope replaces it.</summary>
    internal string Sid
    {
        get
        {
            var text = string.Join('\n', [Organization.Value, .. SourceIdentities]);
            return "Revoke" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))[..8]);
        }
    }

    internal bool SameScope(Revocation other)
        => Organization == other.Organization && SourceIdentities.SequenceEqual(other.SourceIdentities, StringComparer.Ordinal);
}

/// <summary>
/// The tenant role's inline policy <see cref="PolicyName"/>: one Deny statement per active revocation, matched on the
/// session's <c>aws:PrincipalTag/organizationId</c> (every session the gateway opens carries it, in both policy modes),
/// optionally its <c>aws:SourceIdentity</c>, and <c>aws:TokenIssueTime</c> <c>DateLessThan</c> the cut-off. IAM evaluates
/// a role's current policies on every request, so a session issued before the cut-off is refused from the moment IAM
/// has propagated the change, while sessions issued after it (fresh credentials) are untouched.
/// </summary>
/// <remarks>
/// Parsing is strict: a statement this class did not write (a hand edit) is an error, never silently dropped. A Deny
/// whose condition key is absent does not apply, so a session without the <c>organizationId</c> tag (issued by a gateway
/// older than the tag) is not covered; such sessions expire within <c>CredentialLifetime</c>.
/// </remarks>
public sealed class TenantRevocations
{
    /// <summary>The inline policy's name on the tenant role(s).</summary>
    public const string PolicyName = "tenant-revocations";

    /// <summary>IAM's limit for all of a role's inline policies together, counted without whitespace.</summary>
    public const int RoleInlinePolicyLimit = 10_240;

    private const string OrganizationTagKey = "aws:PrincipalTag/" + SessionPolicyBuilder.OrganizationTagKey;
    private const string SourceIdentityKey = "aws:SourceIdentity";
    private const string TokenIssueTimeKey = "aws:TokenIssueTime";
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    private TenantRevocations(IReadOnlyList<Revocation> entries) => Entries = entries;

    public static TenantRevocations Empty { get; } = new([]);

    /// <summary>Active revocations, ordered by organization, then scope.</summary>
    public IReadOnlyList<Revocation> Entries { get; }

    /// <summary>
    /// Adds <paramref name="revocation"/>; an entry of the same scope keeps the later cut-off (a later cut-off denies
    /// everything the earlier one did, and more).
    /// </summary>
    public TenantRevocations Add(Revocation revocation)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        var existing = Entries.FirstOrDefault(e => e.SameScope(revocation));
        if (existing is not null && existing.IssuedBefore >= revocation.IssuedBefore)
        {
            return this;
        }

        return Create(Entries.Where(e => !e.SameScope(revocation)).Append(revocation));
    }

    /// <summary>
    /// Drops entries no session can still match: every session issued before the cut-off has expired once
    /// <paramref name="maxSessionDuration"/> (the role's maximum) has passed since it.
    /// </summary>
    public TenantRevocations Prune(DateTimeOffset now, TimeSpan maxSessionDuration, out IReadOnlyList<Revocation> pruned)
    {
        var expired = Entries.Where(e => e.IssuedBefore + maxSessionDuration <= now).ToArray();
        pruned = expired;
        return expired.Length == 0 ? this : Create(Entries.Except(expired));
    }

    /// <summary>The policy document (null when there is nothing to deny: the inline policy is then deleted).</summary>
    public PolicyDocument? ToDocument()
        => Entries.Count == 0
            ? null
            : new PolicyDocument { Statements = Entries.Select(ToStatement).ToArray() };

    /// <summary>Characters IAM counts for the size limit: the JSON without whitespace outside strings.</summary>
    public static int CountedLength(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var count = 0;
        var inString = false;
        var escaped = false;
        foreach (var c in json)
        {
            if (inString)
            {
                count++;
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (!char.IsWhiteSpace(c))
            {
                count++;
                inString = c == '"';
            }
        }

        return count;
    }

    /// <summary>Reads the inline policy as IAM returns it (already URL-decoded).</summary>
    /// <exception cref="PolicyDocumentException">Malformed, or a statement this class did not write (named by its Sid).</exception>
    public static TenantRevocations Parse(string json)
    {
        var document = PolicyDocument.Parse(json);
        return Create(document.Statements.Select(FromStatement));
    }

    /// <summary>
    /// Reads the inline policy as the gateway's revocation watcher does: every statement <see cref="Parse"/> accepts, and
    /// each one it refuses (a hand edit) skipped and described in <paramref name="foreign"/> — the watcher cannot know whose
    /// sessions such a statement denies, and IAM enforces it regardless.
    /// </summary>
    /// <exception cref="PolicyDocumentException">The document itself is malformed.</exception>
    public static TenantRevocations ParseKnown(string json, out IReadOnlyList<string> foreign)
    {
        var document = PolicyDocument.Parse(json);
        var entries = new List<Revocation>(document.Statements.Count);
        var skipped = new List<string>();
        foreach (var statement in document.Statements)
        {
            try
            {
                entries.Add(FromStatement(statement));
            }
            catch (PolicyDocumentException ex)
            {
                skipped.Add(ex.Message);
            }
        }

        foreign = skipped;
        return Create(entries);
    }

    private static TenantRevocations Create(IEnumerable<Revocation> entries)
        => new(entries
            .OrderBy(e => e.Organization.Value, StringComparer.Ordinal)
            .ThenBy(e => string.Join('\n', e.SourceIdentities), StringComparer.Ordinal)
            .ToArray());

    private static PolicyStatement ToStatement(Revocation revocation)
    {
        List<PolicyCondition> conditions =
        [
            new("StringEquals", OrganizationTagKey, [revocation.Organization.Value]),
        ];
        if (revocation.SourceIdentities.Count > 0)
        {
            conditions.Add(new("StringEquals", SourceIdentityKey, revocation.SourceIdentities));
        }

        conditions.Add(new("DateLessThan", TokenIssueTimeKey, [revocation.IssuedBefore.ToString(TimeFormat, CultureInfo.InvariantCulture)]));
        return new PolicyStatement
        {
            Sid = revocation.Sid,
            Effect = PolicyEffect.Deny,
            Actions = ["*"],
            Resources = ["*"],
            Conditions = conditions,
        };
    }

    private static Revocation FromStatement(PolicyStatement statement)
    {
        var name = statement.Sid ?? "(no Sid)";
        if (statement is not { Effect: PolicyEffect.Deny, Actions: ["*"], Resources: ["*"], NotActions: null, NotResources: null, Principal: null })
        {
            throw Foreign(name, "it is not a Deny of Action * on Resource *");
        }

        string? organization = null;
        IReadOnlyList<string>? identities = null;
        DateTimeOffset? cutoff = null;
        foreach (var condition in statement.Conditions)
        {
            switch (condition.Operator, condition.Key)
            {
                case ("StringEquals", OrganizationTagKey) when organization is null && condition.Values is [var value]:
                    organization = value;
                    break;
                case ("StringEquals", SourceIdentityKey) when identities is null && condition.Values.Count > 0:
                    identities = condition.Values;
                    break;
                case ("DateLessThan", TokenIssueTimeKey) when cutoff is null && condition.Values is [var time]
                    && DateTimeOffset.TryParseExact(time, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed):
                    cutoff = parsed;
                    break;
                default:
                    throw Foreign(name, $"its condition {condition.Operator} {condition.Key} is not one revoke writes");
            }
        }

        if (organization is null || cutoff is null || !OrganizationId.TryParse(organization, out var id))
        {
            throw Foreign(name, "it lacks the organization tag or the aws:TokenIssueTime cut-off");
        }

        Revocation revocation;
        try
        {
            revocation = new Revocation(id, cutoff.Value, identities);
        }
        catch (ArgumentException ex)
        {
            throw Foreign(name, ex.Message);
        }

        if (!string.Equals(revocation.Sid, statement.Sid, StringComparison.Ordinal))
        {
            throw Foreign(name, $"its Sid does not match its scope (expected {revocation.Sid})");
        }

        return revocation;
    }

    private static PolicyDocumentException Foreign(string sid, string why)
        => new($"{PolicyName}: statement {sid} was not written by revoke ({why}); fix or remove it by hand");
}
