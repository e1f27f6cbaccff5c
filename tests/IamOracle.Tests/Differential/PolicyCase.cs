using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Policies.Documents;
using Gateway.Policies.Evaluation;
using IamOracle.Tests.Oracle;

namespace IamOracle.Tests.Differential;

/// <summary>One condition entry as written: <c>"Operator": {"Key": [values]}</c>.</summary>
internal sealed record GeneratedCondition(string Operator, string Key, IReadOnlyList<string> Values);

internal sealed record GeneratedStatement(
    bool Deny,
    bool NotAction,
    IReadOnlyList<string> Actions,
    bool NotResource,
    IReadOnlyList<string> Resources,
    IReadOnlyList<GeneratedCondition> Conditions);

internal sealed record GeneratedPolicy(string Version, IReadOnlyList<GeneratedStatement> Statements)
{
    /// <summary>The policy as IAM JSON. Conditions with the same operator share one object; the same key under the same
    /// operator merges its values (a JSON object cannot hold a member twice).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(nameof(Version), Version);
            writer.WriteStartArray("Statement");
            for (var i = 0; i < Statements.Count; i++)
            {
                var s = Statements[i];
                writer.WriteStartObject();
                writer.WriteString("Sid", "S" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                writer.WriteString("Effect", s.Deny ? "Deny" : "Allow");
                WriteList(writer, s.NotAction ? "NotAction" : "Action", s.Actions);
                WriteList(writer, s.NotResource ? "NotResource" : "Resource", s.Resources);
                if (s.Conditions.Count > 0)
                {
                    writer.WriteStartObject("Condition");
                    foreach (var byOperator in s.Conditions.GroupBy(c => c.Operator, StringComparer.Ordinal))
                    {
                        writer.WriteStartObject(byOperator.Key);
                        foreach (var byKey in byOperator.GroupBy(c => c.Key, StringComparer.OrdinalIgnoreCase))
                        {
                            WriteList(writer, byKey.First().Key, [.. byKey.SelectMany(c => c.Values).Distinct(StringComparer.Ordinal)]);
                        }

                        writer.WriteEndObject();
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 1)
        {
            writer.WriteString(name, values[0]);
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}

/// <summary>A context key of the generated request (multi-valued keys are sent as arrays, as AWS does).</summary>
internal sealed record GeneratedKey(string Key, IReadOnlyList<string> Values, bool MultiValued);

/// <summary>One differential case: the role's identity policy, an optional session policy, and a request.</summary>
internal sealed record PolicyCase(GeneratedPolicy Identity, GeneratedPolicy? Session, string Action, string Resource, IReadOnlyList<GeneratedKey> Context)
{
    public const string Account = "000000000000";
    public const string PrincipalArn = "arn:aws:sts::000000000000:assumed-role/TenantRole/acme+read-write";

    public OracleCase ToOracleCase() => new(
        [Identity.ToJson()],
        Session?.ToJson(),
        PrincipalArn,
        Action,
        Resource,
        Account,
        [.. Context.Select(k => new KeyValuePair<string, ContextValue>(k.Key, new ContextValue(k.Values, k.MultiValued)))]);

    /// <summary>Our evaluator's decision, in the simulator's words.</summary>
    public (string Decision, string Reason) Evaluate()
    {
        var identity = PolicyDocument.Parse(Identity.ToJson());
        var session = Session is null ? null : PolicyDocument.Parse(Session.ToJson());
        var context = new RequestContext(Context.ToDictionary(k => k.Key, k => k.Values, StringComparer.OrdinalIgnoreCase));
        var result = PolicyEvaluator.EvaluateSession([identity], session, new AuthorizationRequest(Action, Resource, context) { PrincipalArn = PrincipalArn });
        var decision = result.Decision switch
        {
            Decision.Allow => "Allowed",
            Decision.ExplicitDeny => "ExplicitlyDenied",
            _ => "ImplicitlyDenied",
        };
        return (decision, result.Reason);
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"  identity policy: {Identity.ToJson()}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  session policy:  {Session?.ToJson() ?? "(none)"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  request:         {Action} on {Resource}");
        foreach (var key in Context)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {key.Key} = {(key.MultiValued ? "[" + string.Join(", ", key.Values.Select(v => $"\"{v}\"")) + "]" : $"\"{key.Values[0]}\"")}");
        }

        return text.ToString();
    }

    /// <summary>Every case one step smaller than this one (for the greedy shrinker): a policy, statement, condition,
    /// value, list entry or context key removed.</summary>
    public IEnumerable<PolicyCase> Smaller()
    {
        if (Session is not null)
        {
            yield return this with { Session = null };
            foreach (var smaller in Smaller(Session))
            {
                yield return this with { Session = smaller };
            }
        }

        foreach (var smaller in Smaller(Identity))
        {
            yield return this with { Identity = smaller };
        }

        for (var i = 0; i < Context.Count; i++)
        {
            yield return this with { Context = Without(Context, i) };
            var key = Context[i];
            for (var v = 0; key.Values.Count > 1 && v < key.Values.Count; v++)
            {
                yield return this with { Context = Replace(Context, i, key with { Values = Without(key.Values, v) }) };
            }
        }
    }

    private static IEnumerable<GeneratedPolicy> Smaller(GeneratedPolicy policy)
    {
        var statements = policy.Statements;
        for (var i = 0; i < statements.Count; i++)
        {
            if (statements.Count > 1)
            {
                yield return policy with { Statements = Without(statements, i) };
            }

            var s = statements[i];
            for (var c = 0; c < s.Conditions.Count; c++)
            {
                yield return policy with { Statements = Replace(statements, i, s with { Conditions = Without(s.Conditions, c) }) };
                var condition = s.Conditions[c];
                for (var v = 0; condition.Values.Count > 1 && v < condition.Values.Count; v++)
                {
                    yield return policy with { Statements = Replace(statements, i, s with { Conditions = Replace(s.Conditions, c, condition with { Values = Without(condition.Values, v) }) }) };
                }
            }

            for (var a = 0; s.Actions.Count > 1 && a < s.Actions.Count; a++)
            {
                yield return policy with { Statements = Replace(statements, i, s with { Actions = Without(s.Actions, a) }) };
            }

            for (var r = 0; s.Resources.Count > 1 && r < s.Resources.Count; r++)
            {
                yield return policy with { Statements = Replace(statements, i, s with { Resources = Without(s.Resources, r) }) };
            }
        }
    }

    private static T[] Without<T>(IReadOnlyList<T> list, int index) => [.. list.Where((_, i) => i != index)];

    private static T[] Replace<T>(IReadOnlyList<T> list, int index, T value) => [.. list.Select((x, i) => i == index ? value : x)];
}
