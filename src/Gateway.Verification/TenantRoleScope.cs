using Amazon.Runtime;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Configuration;
using Gateway.Policies;
using Gateway.Policies.Documents;

namespace Gateway.Verification;

/// <summary>
/// The check <see cref="CheckName"/>: the shape of every inline identity policy of a tenant role (IAM
/// <c>ListRolePolicies</c> + <c>GetRolePolicy</c> with the gateway's own identity, the template's read-only
/// <c>InspectTenantRole</c> grant). Every Allow statement that grants a DynamoDB action must
/// <list type="bullet">
/// <item>carry the <c>Null</c> guard <c>{"dynamodb:LeadingKeys": "false"}</c> (without it <c>ForAllValues</c> is true
/// for a key-less request);</item>
/// <item>compare <c>dynamodb:LeadingKeys</c> only with <c>ForAllValues:StringEquals</c> or <c>ForAllValues:StringLike</c>
/// (<c>ForAnyValue</c> or a plain operator lets one key of a batch carry the others);</item>
/// <item>in <c>StringLike</c>, use a wildcard only as the <c>#*</c> that ends a value (<c>{org}#*</c>: the shard keys;
/// <c>#</c> is outside the organization id alphabet). <c>{org}*</c> — the widening this check exists for — admits
/// <c>{org}x</c>, <c>{org}-2</c>, another organization whose id starts with <c>{org}</c>;</item>
/// <item>in <c>Abac</c> mode, compare it at all: there the role policy is the only thing that scopes a session.</item>
/// </list>
/// Managed policies attached to the role are not read (the gateway has no <c>iam:ListAttachedRolePolicies</c>; the
/// template attaches none). The live probes of the sharded canary's look-alikes are the same property observed in
/// practice.
/// </summary>
public static class TenantRoleScope
{
    public const string Expected = "LeadingKeys: only {org}, {org}#…, Null guard";

    public static string CheckName(string role) => $"tenant role {role}: LeadingKeys scope";

    /// <summary>Runs the check against the live role. Fails closed (named) when IAM cannot be read.</summary>
    public static async Task<VerificationCheck> CheckAsync(IamClient? iam, string role, IsolationMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        var name = CheckName(role);
        if (iam is null)
        {
            return new VerificationCheck(name, Expected, "not checked (no IAM client)", false);
        }

        var documents = new List<(string Name, string? Json)>();
        try
        {
            foreach (var policy in await iam.ListRolePoliciesAsync(role, cancellationToken).ConfigureAwait(false))
            {
                documents.Add((policy, await iam.GetRolePolicyAsync(role, policy, cancellationToken).ConfigureAwait(false)));
            }
        }
        catch (AmazonServiceException e)
        {
            return new VerificationCheck(name, Expected, $"cannot inspect ({(string.IsNullOrEmpty(e.ErrorCode) ? e.GetType().Name : e.ErrorCode)})", false);
        }
        catch (Exception e) when (e is AmazonClientException or HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new VerificationCheck(name, Expected, $"cannot inspect (error: {e.GetType().Name} calling {iam.Endpoint} ({VerificationEndpoints.Cause(e)}))", false);
        }

        var problems = new List<string>();
        var granting = new List<string>();
        foreach (var (policy, json) in documents)
        {
            if (json is null || !PolicyDocument.TryParse(json, out var document, out _))
            {
                problems.Add($"{policy}: not understood");
                continue;
            }

            var found = Problems(policy, document, mode);
            problems.AddRange(found);
            if (document.Statements.Any(s => s.Effect == PolicyEffect.Allow && GrantsDynamoDb(s)))
            {
                granting.Add(policy);
            }
        }

        if (problems.Count > 0)
        {
            return new VerificationCheck(name, Expected, string.Join("; ", problems), false);
        }

        var scope = mode == IsolationMode.Abac ? "{org}, {org}#* by the organizationId tag" : "Null guard (the session policy names the keys)";
        return granting.Count == 0
            ? new VerificationCheck(name, Expected, "no inline policy grants DynamoDB", true)
            : new VerificationCheck(name, Expected, $"{string.Join(", ", granting)}: {scope}", true);
    }

    /// <summary>Every problem with <paramref name="document"/> (named <paramref name="policy"/>), one sentence each; empty when sound.</summary>
    public static IReadOnlyList<string> Problems(string policy, PolicyDocument document, IsolationMode mode)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(document);
        var problems = new List<string>();
        for (var i = 0; i < document.Statements.Count; i++)
        {
            var statement = document.Statements[i];
            if (statement.Effect != PolicyEffect.Allow || !GrantsDynamoDb(statement))
            {
                continue;
            }

            var where = $"{policy} {statement.Sid ?? $"Statement[{i}]"}";
            var guarded = false;
            var compared = false;
            foreach (var condition in statement.Conditions.Where(c => string.Equals(c.Key, "dynamodb:LeadingKeys", StringComparison.OrdinalIgnoreCase)))
            {
                if (string.Equals(condition.Operator, "Null", StringComparison.OrdinalIgnoreCase))
                {
                    guarded |= condition.Values.Count == 1 && string.Equals(condition.Values[0], "false", StringComparison.OrdinalIgnoreCase);
                    continue;
                }

                compared = true;
                var like = string.Equals(condition.Operator, "ForAllValues:StringLike", StringComparison.OrdinalIgnoreCase);
                if (!like && !string.Equals(condition.Operator, "ForAllValues:StringEquals", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{where}: {condition.Operator} on dynamodb:LeadingKeys (only ForAllValues:StringEquals or ForAllValues:StringLike scope every key)");
                    continue;
                }

                foreach (var value in like ? condition.Values : [])
                {
                    var core = value.EndsWith(ShardCount.Separator + "*", StringComparison.Ordinal) ? value[..^2] : value;
                    if (HasWildcard(core))
                    {
                        problems.Add($"{where}: StringLike {value} on dynamodb:LeadingKeys admits other organizations' keys (only {{org}} and {{org}}#* are safe)");
                    }
                }
            }

            if (!guarded)
            {
                problems.Add($"{where}: no Null guard on dynamodb:LeadingKeys (a request without a partition key is allowed)");
            }

            if (mode == IsolationMode.Abac && !compared)
            {
                problems.Add($"{where}: no dynamodb:LeadingKeys comparison (in Abac mode the role policy is the only scope)");
            }
        }

        return problems;
    }

    private static bool GrantsDynamoDb(PolicyStatement statement)
        => statement.Actions is { } actions
            ? actions.Any(a => a == "*" || a.StartsWith("dynamodb:", StringComparison.OrdinalIgnoreCase))
            : statement.NotActions is not null;

    /// <summary>A <c>*</c> or <c>?</c> outside policy variables (<c>${…}</c>; <c>${*}</c> and <c>${?}</c> are literal).</summary>
    private static bool HasWildcard(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '{')
            {
                var end = value.IndexOf('}', i + 2);
                if (end < 0)
                {
                    return true;
                }

                i = end;
                continue;
            }

            if (value[i] is '*' or '?')
            {
                return true;
            }
        }

        return false;
    }
}
