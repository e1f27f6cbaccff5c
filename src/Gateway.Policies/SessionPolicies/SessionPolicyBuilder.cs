using Gateway.Policies.Documents;

namespace Gateway.Policies.SessionPolicies;

/// <summary>
/// Builds the minimal session policy for (organization, permission set, shard count): explicit item actions only, table
/// and index ARNs, <c>ForAllValues:StringEquals</c> on <c>dynamodb:LeadingKeys</c> plus the <c>Null</c> guard on every
/// statement.
/// </summary>
/// <remarks>
/// A sharded organization (<see cref="ShardCount"/> N &gt; 1) is allowed exactly its keys: <c>ForAllValues:StringEquals</c>
/// over <c>{org}</c>, <c>{org}#0</c>…<c>{org}#N−1</c> (<see cref="LeadingKeysForm.ExactList"/>) whenever that policy fits
/// <see cref="MaxPlaintextLength"/>; only when it does not (long ids with 32 or 64 shards) <c>ForAllValues:StringLike</c>
/// over <c>{org}</c> and <c>{org}#*</c> (<see cref="LeadingKeysForm.ShardPattern"/>). The pattern is safe because
/// <c>#</c> is outside the organization id alphabet: a value matching <c>{org}#*</c> has its first <c>#</c> right after
/// <c>{org}</c>, and another organization B's keys (<c>B</c>, <c>B#k</c>) have theirs right after B (or none), so they
/// match only if B = org. It admits the organization's own out-of-range keys (<c>{org}#64</c>, <c>{org}#1x</c>), which
/// no other organization can own; <c>{org}</c> itself is never a pattern (no <c>*</c> or <c>?</c> in the alphabet).
/// </remarks>
/// <remarks>
/// Tables that are granted the same action list share one statement (the partition key's name does not appear in an
/// IAM policy, only its value), which keeps policies for many tables under the STS limit. The JSON is produced by
/// <see cref="PolicyDocument.ToJson"/> (a <see cref="System.Text.Json.Utf8JsonWriter"/>), never by concatenation, and
/// the organization id can only be a validated <see cref="OrganizationId"/>.
/// </remarks>
public sealed class SessionPolicyBuilder
{
    public const int MaxPlaintextLength = 2048;
    public const string OrganizationTagKey = "organizationId";
    public const string LeadingKeysConditionKey = "dynamodb:LeadingKeys";
    public const string OrganizationTagConditionKey = "aws:PrincipalTag/" + OrganizationTagKey;

    /// <summary>The read actions (all supply <c>dynamodb:LeadingKeys</c>).</summary>
    public static IReadOnlyList<string> ReadActions { get; } =
        ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"];

    /// <summary>The write actions (all supply <c>dynamodb:LeadingKeys</c>).</summary>
    public static IReadOnlyList<string> WriteActions { get; } =
        ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"];

    public static IReadOnlyList<string> PartiQLReadActions { get; } = ["dynamodb:PartiQLSelect"];

    public static IReadOnlyList<string> PartiQLWriteActions { get; } =
        ["dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"];

    private const string NullOperator = "Null";
    private const string ForAllValuesStringEquals = "ForAllValues:StringEquals";
    private const string ForAllValuesStringLike = "ForAllValues:StringLike";
    private const string TagVariable = "${aws:PrincipalTag/organizationId}";
    private static readonly string WorstCaseOrganization = new('x', OrganizationId.MaxLength);

    public SessionPolicyBuilder(AwsScope scope) => Scope = scope ?? throw new ArgumentNullException(nameof(scope));

    public AwsScope Scope { get; }

    /// <summary>The session policy of an unsharded organization (LeadingKeys = <c>{org}</c>).</summary>
    /// <exception cref="SessionPolicyTooLargeException">The policy exceeds <see cref="MaxPlaintextLength"/>.</exception>
    /// <exception cref="ArgumentException">The organization id is uninitialized or the permission set is invalid.</exception>
    public SessionPolicy Build(OrganizationId organizationId, PermissionSet permissionSet) => Build(organizationId, permissionSet, ShardCount.One);

    /// <summary>The session policy allowing exactly the organization's partition keys (see the remarks on the type).</summary>
    /// <exception cref="SessionPolicyTooLargeException">Even the shorter form exceeds <see cref="MaxPlaintextLength"/>.</exception>
    /// <exception cref="ArgumentException">The organization id is uninitialized or the permission set is invalid.</exception>
    public SessionPolicy Build(OrganizationId organizationId, PermissionSet permissionSet, ShardCount shards)
    {
        if (!organizationId.IsValid)
        {
            throw new ArgumentException("The organization id is not initialized.", nameof(organizationId));
        }

        var policy = BuildFitting(organizationId.Value, permissionSet, shards);
        if (policy.Length > MaxPlaintextLength)
        {
            throw new SessionPolicyTooLargeException(permissionSet.Name, policy.Length, MaxPlaintextLength);
        }

        return policy;
    }

    /// <summary>
    /// The longest policy any organization can get for <paramref name="permissionSet"/>: the longer of the unsharded
    /// policy and the <see cref="LeadingKeysForm.ShardPattern"/> policy, both for a 64-character id. Every sharded policy
    /// is an exact list that fits <see cref="MaxPlaintextLength"/> or the pattern form (no longer for a shorter id), so
    /// when this fits, <see cref="Build(OrganizationId, PermissionSet, ShardCount)"/> succeeds for every id and shard count.
    /// </summary>
    /// <remarks>Organization ids never need JSON escaping, so a 64-character id gives the exact maximum.</remarks>
    public int WorstCaseLength(PermissionSet permissionSet)
        => Math.Max(
            BuildCore(ExactValues(WorstCaseOrganization, ShardCount.One), permissionSet, abac: false).Length,
            BuildCore(PatternValues(WorstCaseOrganization), permissionSet, abac: false).Length);

    /// <summary>The policy for a 64-character id and 64 shards, the worst case checked at start-up and by <c>verify</c>.</summary>
    public SessionPolicy WorstCase(PermissionSet permissionSet) => BuildFitting(WorstCaseOrganization, permissionSet, ShardCount.Create(ShardCount.Max));

    /// <summary>The ABAC role policy for a permission set, and the session tags for an organization.</summary>
    /// <remarks>
    /// The role policy is the same for every organization and shard count (it is attached to the role once): every
    /// statement carries <c>ForAllValues:StringLike</c> on <c>dynamodb:LeadingKeys</c> with
    /// <c>${aws:PrincipalTag/organizationId}</c> (the unsharded key; a substituted value is literal, and the alphabet has no
    /// <c>*</c> or <c>?</c>) and <c>${aws:PrincipalTag/organizationId}#*</c> (the shard keys <c>{org}#k</c>), the
    /// LeadingKeys <c>Null</c> guard, and a <c>Null</c> guard on the tag itself, so a session without the tag gets nothing
    /// (an unresolvable variable matches no value). Safe for the reason the <see cref="LeadingKeysForm.ShardPattern"/> is:
    /// <c>#</c> is outside the organization id alphabet, so only the tagged organization's own keys match.
    /// </remarks>
    public AbacPolicy BuildAbac(OrganizationId organizationId, PermissionSet permissionSet)
    {
        if (!organizationId.IsValid)
        {
            throw new ArgumentException("The organization id is not initialized.", nameof(organizationId));
        }

        var rolePolicy = BuildCore(PatternValues(TagVariable), permissionSet, abac: true).Document;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal) { [OrganizationTagKey] = organizationId.Value };
        return new AbacPolicy(rolePolicy, tags);
    }

    /// <summary>Every problem with a permission set (empty list when valid), for start-up validation.</summary>
    public static IReadOnlyList<string> Validate(PermissionSet? permissionSet)
    {
        var errors = new List<string>();
        if (permissionSet is null)
        {
            errors.Add("The permission set is missing.");
            return errors;
        }

        if (string.IsNullOrWhiteSpace(permissionSet.Name))
        {
            errors.Add("The permission set has no name.");
        }

        if (permissionSet.Tables is null || permissionSet.Tables.Count == 0)
        {
            errors.Add($"Permission set '{permissionSet.Name}' lists no tables.");
            return errors;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < permissionSet.Tables.Count; i++)
        {
            var table = permissionSet.Tables[i];
            var where = $"Permission set '{permissionSet.Name}' table [{i}]";
            if (table is null)
            {
                errors.Add($"{where} is missing.");
                continue;
            }

            if (!IsValidTableName(table.TableName))
            {
                errors.Add($"{where}: table name must be 3-255 characters of [A-Za-z0-9_.-].");
            }
            else if (!names.Add(table.TableName))
            {
                errors.Add($"{where}: table '{table.TableName}' is listed twice.");
            }

            if (string.IsNullOrEmpty(table.PartitionKey))
            {
                errors.Add($"{where}: the partition key name is missing.");
            }

            if (table.Indexes is { } indexes)
            {
                foreach (var index in indexes)
                {
                    if (!IsValidTableName(index))
                    {
                        errors.Add($"{where}: index names must be 3-255 characters of [A-Za-z0-9_.-].");
                        break;
                    }
                }
            }

            if (!table.Read && !table.Write)
            {
                errors.Add($"{where}: grants neither read nor write.");
            }
        }

        return errors;
    }

    /// <summary>DynamoDB table names: 3–255 characters of <c>[A-Za-z0-9_.-]</c> (so no <c>/</c>, <c>*</c> or <c>:</c>
    /// can reach an ARN).</summary>
    public static bool IsValidTableName(string? name)
    {
        if (name is null || name.Length is < 3 or > 255)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The exact list when it fits the limit (or the organization is unsharded), else the pattern form.</summary>
    private SessionPolicy BuildFitting(string organization, PermissionSet permissionSet, ShardCount shards)
    {
        var exact = BuildCore(ExactValues(organization, shards), permissionSet, abac: false);
        return exact.Length <= MaxPlaintextLength || !shards.IsSharded ? exact : BuildCore(PatternValues(organization), permissionSet, abac: false);
    }

    private static LeadingKeys ExactValues(string organization, ShardCount shards)
    {
        if (!shards.IsSharded)
        {
            return new LeadingKeys(LeadingKeysForm.Unsharded, ForAllValuesStringEquals, [organization]);
        }

        var values = new string[shards.Value + 1];
        values[0] = organization;
        for (var k = 0; k < shards.Value; k++)
        {
            values[k + 1] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{organization}{ShardCount.Separator}{k}");
        }

        return new LeadingKeys(LeadingKeysForm.ExactList, ForAllValuesStringEquals, values);
    }

    private static LeadingKeys PatternValues(string organization)
        => new(LeadingKeysForm.ShardPattern, ForAllValuesStringLike, [organization, organization + ShardCount.Separator + "*"]);

    private readonly record struct LeadingKeys(LeadingKeysForm Form, string Operator, string[] Values);

    private SessionPolicy BuildCore(LeadingKeys leadingKeys, PermissionSet permissionSet, bool abac)
    {
        ArgumentNullException.ThrowIfNull(permissionSet);
        var errors = Validate(permissionSet);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(permissionSet));
        }

        // Group tables by their action list, keeping first-seen order so output is deterministic.
        var groups = new List<(List<string> Actions, List<string> Resources)>(permissionSet.Tables.Count);
        foreach (var table in permissionSet.Tables)
        {
            var actions = ActionsFor(table);
            List<string>? resources = null;
            foreach (var group in groups)
            {
                if (DocumentEquality.ListEquals<string>(group.Actions, actions))
                {
                    resources = group.Resources;
                    break;
                }
            }

            if (resources is null)
            {
                resources = [];
                groups.Add((actions, resources));
            }

            var tableArn = Scope.TableArn(table.TableName);
            resources.Add(tableArn);
            if (table.IncludeIndexes && table.Indexes is { } indexes)
            {
                foreach (var index in indexes)
                {
                    resources.Add(Scope.IndexArn(table.TableName, index));
                }
            }
            else if (table.IncludeIndexes)
            {
                resources.Add(tableArn + "/index/*");
            }
        }

        PolicyCondition[] conditions = abac
            ?
            [
                new PolicyCondition(leadingKeys.Operator, LeadingKeysConditionKey, leadingKeys.Values),
                new PolicyCondition(NullOperator, LeadingKeysConditionKey, ["false"]),
                new PolicyCondition(NullOperator, OrganizationTagConditionKey, ["false"]),
            ]
            :
            [
                new PolicyCondition(leadingKeys.Operator, LeadingKeysConditionKey, leadingKeys.Values),
                new PolicyCondition(NullOperator, LeadingKeysConditionKey, ["false"]),
            ];

        var statements = new PolicyStatement[groups.Count];
        for (var i = 0; i < statements.Length; i++)
        {
            statements[i] = new PolicyStatement
            {
                Effect = PolicyEffect.Allow,
                Actions = groups[i].Actions,
                Resources = groups[i].Resources,
                Conditions = conditions,
            };
        }

        var document = new PolicyDocument { Statements = statements };
        return new SessionPolicy(document, document.ToJson()) { Keys = leadingKeys.Form };
    }

    private static List<string> ActionsFor(TableAccess table)
    {
        var actions = new List<string>(12);
        if (table.Read)
        {
            actions.AddRange(ReadActions);
        }

        if (table.Write)
        {
            actions.AddRange(WriteActions);
        }

        if (table.PartiQL && table.Read)
        {
            actions.AddRange(PartiQLReadActions);
        }

        if (table.PartiQL && table.Write)
        {
            actions.AddRange(PartiQLWriteActions);
        }

        return actions;
    }
}
