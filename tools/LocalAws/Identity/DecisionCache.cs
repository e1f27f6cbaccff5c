using System.Collections.Concurrent;
using System.Text;
using Gateway.Policies.DynamoDb;
using Gateway.Policies.Evaluation;

namespace LocalAws.Identity;

/// <summary>
/// Memoizes IAM decisions. A decision is a pure function of the principal (its policies and context never change
/// after the credentials are issued, except its role's inline policies, whose version is in the key), and the check
/// (action, resource, every condition key and value), so the cache key holds the access key id, the inline-policy
/// version and the whole check. Failed evaluations are never cached. Bounded: cleared when full.
/// </summary>
internal sealed class DecisionCache
{
    public const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, EvaluationResult> _decisions = new(StringComparer.Ordinal);

    public EvaluationResult Authorize(Principal principal, AuthorizationCheck check, Func<AuthorizationCheck, AuthorizationRequest> toRequest)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(toRequest);
        // One snapshot for both the key and the evaluation: a decision is never cached under another version.
        var inline = principal.InlinePolicies?.Current;
        var key = Key(principal.AccessKeyId, inline?.Version ?? 0, check);
        if (_decisions.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var result = Authorizer.Authorize(principal, inline, toRequest(check), out var evaluated);
        if (evaluated)
        {
            if (_decisions.Count >= MaxEntries)
            {
                _decisions.Clear();
            }

            _decisions[key] = result;
        }

        return result;
    }

    private static string Key(string accessKeyId, long inlineVersion, AuthorizationCheck check)
    {
        var builder = new StringBuilder(128);
        builder.Append(accessKeyId).Append('\0').Append(inlineVersion).Append('\0').Append(check.Action).Append('\0').Append(check.Resource);
        foreach (var (name, values) in check.ConditionKeys.OrderBy(k => k.Key, StringComparer.OrdinalIgnoreCase))
        {
            builder.Append('\0').Append(name.ToUpperInvariant()).Append('\u0001').Append(values.Count);
            foreach (var value in values)
            {
                builder.Append('\u0002').Append(value.Length).Append(':').Append(value);
            }
        }

        return builder.ToString();
    }
}
