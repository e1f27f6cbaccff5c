using System.Collections.Frozen;
using Gateway.Policies;

namespace LocalAws.Ssm;

/// <summary>
/// SSM parameters served by <see cref="SsmEndpoint"/>, seeded at start-up (<c>--ssm-parameter NAME=VALUE</c>, stored as
/// SecureString). Read-only once LocalAws runs. Values are secrets: <see cref="ToString"/> shows the names only.
/// </summary>
internal sealed class SsmParameterStore
{
    private readonly FrozenDictionary<string, SsmParameter> _parameters;

    public SsmParameterStore(IReadOnlyDictionary<string, string> secureStrings, AwsScope scope, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(secureStrings);
        ArgumentNullException.ThrowIfNull(scope);
        Scope = scope;
        _parameters = secureStrings.ToFrozenDictionary(
            p => p.Key,
            p => new SsmParameter(p.Key, "SecureString", p.Value, Arn(scope, p.Key), created),
            StringComparer.Ordinal);
    }

    public AwsScope Scope { get; }

    public int Count => _parameters.Count;

    public bool TryGet(string name, out SsmParameter parameter) => _parameters.TryGetValue(name, out parameter!);

    /// <summary><c>arn:aws:ssm:REGION:ACCOUNT:parameter/NAME</c> (a hierarchical name's leading '/' is not repeated), as IAM sees it.</summary>
    public static string Arn(AwsScope scope, string name)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(name);
        return $"arn:{scope.Partition}:ssm:{scope.Region}:{scope.AccountId}:parameter/{name.TrimStart('/')}";
    }

    public override string ToString() => $"SsmParameterStore {{ Names = [{string.Join(", ", _parameters.Keys)}] }}";
}
