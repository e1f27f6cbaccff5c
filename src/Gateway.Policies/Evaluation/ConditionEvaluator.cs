using System.Globalization;
using System.Net;
using Gateway.Policies.Documents;

namespace Gateway.Policies.Evaluation;

internal enum ConditionOutcome
{
    True,
    False,
    UnknownOperator,
}

/// <summary>
/// Evaluates one condition entry (operator, key, policy values) against a request context, with IAM's rules:
/// values of one key are ORed; a negated operator is the negation of its positive form; an absent key makes positive
/// operators false and negated ones true; <c>IfExists</c> is true when the key is absent; <c>ForAllValues</c> is true
/// when the key is absent or empty; <c>ForAnyValue</c> is false when absent, with or without <c>IfExists</c>;
/// <c>Null</c> tests presence.
/// </summary>
internal static class ConditionEvaluator
{
    public static ConditionOutcome Evaluate(PolicyCondition condition, RequestContext context, bool variables)
    {
        var op = condition.ParsedOperator;
        if (!op.IsKnown)
        {
            return ConditionOutcome.UnknownOperator;
        }

        var present = context.TryGetValues(condition.Key, out var contextValues) && contextValues.Count > 0;
        if (op.Kind == OperatorKind.Null)
        {
            foreach (var expected in condition.Values)
            {
                if ((string.Equals(expected, "true", StringComparison.OrdinalIgnoreCase) && !present)
                    || (string.Equals(expected, "false", StringComparison.OrdinalIgnoreCase) && present))
                {
                    return ConditionOutcome.True;
                }
            }

            return ConditionOutcome.False;
        }

        if (!present)
        {
            // ForAnyValue is false on an absent key even with IfExists (IfExists applies per value inside the set
            // operator, so it never sees the missing key; AWS: "if there is no matching context key or the dataset is
            // null, the condition returns false").
            var absentResult = op.Set switch
            {
                SetOperator.ForAllValues => true,
                SetOperator.ForAnyValue => false,
                _ => op.IfExists || op.Negated,
            };
            return absentResult ? ConditionOutcome.True : ConditionOutcome.False;
        }

        // Resolve policy variables once per condition (string and ARN operators only).
        var policyValues = condition.Values;
        bool[]? escapedFlags = null;
        if (variables && op.SupportsVariables && NeedsSubstitution(policyValues))
        {
            // A value whose variable cannot be resolved matches nothing: the other values of the key still count
            // (values are ORed). Under a negated operator it fails the whole condition (closed, whatever the effect).
            var pattern = op.Kind is OperatorKind.StringLike or OperatorKind.Arn;
            var substituted = new List<string>(policyValues.Count);
            var flags = new List<bool>(policyValues.Count);
            foreach (var value in policyValues)
            {
                if (PolicyVariables.TrySubstitute(value, context, pattern, out var text, out var escaped))
                {
                    substituted.Add(text);
                    flags.Add(escaped);
                }
                else if (op.Negated)
                {
                    return ConditionOutcome.False;
                }
            }

            if (substituted.Count == 0)
            {
                return ConditionOutcome.False; // an unresolvable variable never matches
            }

            policyValues = substituted;
            escapedFlags = [.. flags];
        }

        bool result;
        switch (op.Set)
        {
            case SetOperator.ForAllValues:
                result = true;
                foreach (var value in contextValues)
                {
                    if (AnyMatch(op, value, policyValues, escapedFlags) == op.Negated)
                    {
                        result = false;
                        break;
                    }
                }

                break;
            case SetOperator.ForAnyValue:
                result = false;
                foreach (var value in contextValues)
                {
                    if (AnyMatch(op, value, policyValues, escapedFlags) != op.Negated)
                    {
                        result = true;
                        break;
                    }
                }

                break;
            default:
                var any = false;
                foreach (var value in contextValues)
                {
                    if (AnyMatch(op, value, policyValues, escapedFlags))
                    {
                        any = true;
                        break;
                    }
                }

                result = any != op.Negated;
                break;
        }

        return result ? ConditionOutcome.True : ConditionOutcome.False;
    }

    private static bool NeedsSubstitution(IReadOnlyList<string> values)
    {
        foreach (var value in values)
        {
            if (value.Contains("${", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the context value matches at least one policy value under the positive operator.</summary>
    private static bool AnyMatch(ConditionOperator op, string contextValue, IReadOnlyList<string> policyValues, bool[]? escaped)
    {
        for (var i = 0; i < policyValues.Count; i++)
        {
            if (Matches(op, contextValue, policyValues[i], escaped is not null && escaped[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(ConditionOperator op, string contextValue, string policyValue, bool escaped) => op.Kind switch
    {
        OperatorKind.StringEquals => string.Equals(contextValue, policyValue, StringComparison.Ordinal),
        OperatorKind.StringEqualsIgnoreCase => string.Equals(contextValue, policyValue, StringComparison.OrdinalIgnoreCase),
        OperatorKind.StringLike => Wildcard.IsMatch(policyValue, contextValue, ignoreCase: false, escaped),
        OperatorKind.Arn => ArnPattern.IsMatch(policyValue, contextValue, escaped),
        OperatorKind.Bool => IsBool(contextValue) && string.Equals(contextValue, policyValue, StringComparison.OrdinalIgnoreCase),
        OperatorKind.Binary => string.Equals(contextValue, policyValue, StringComparison.Ordinal),
        OperatorKind.Numeric => TryNumber(contextValue, out var a) && TryNumber(policyValue, out var b) && Compare(a.CompareTo(b), op.Comparison),
        OperatorKind.Date => TryDate(contextValue, out var x) && TryDate(policyValue, out var y) && Compare(x.CompareTo(y), op.Comparison),
        OperatorKind.IpAddress => IpMatches(contextValue, policyValue),
        _ => false,
    };

    private static bool Compare(int order, Comparison comparison) => comparison switch
    {
        Comparison.Equal => order == 0,
        Comparison.LessThan => order < 0,
        Comparison.LessThanEquals => order <= 0,
        Comparison.GreaterThan => order > 0,
        Comparison.GreaterThanEquals => order >= 0,
        _ => false,
    };

    private static bool IsBool(string value)
        => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);

    private static bool TryNumber(string text, out decimal value)
        => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>ISO-8601 date/time or epoch seconds (as IAM accepts for aws:CurrentTime / aws:EpochTime).</summary>
    private static bool TryDate(string text, out DateTimeOffset value)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch)
            && epoch is >= -62135596800 and <= 253402300799)
        {
            value = DateTimeOffset.FromUnixTimeSeconds(epoch);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private static bool IpMatches(string contextValue, string policyValue)
    {
        if (!IPAddress.TryParse(contextValue, out var address))
        {
            return false;
        }

        if (policyValue.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(policyValue, out var network) && network.Contains(address);
        }

        return IPAddress.TryParse(policyValue, out var single) && single.Equals(address);
    }
}
