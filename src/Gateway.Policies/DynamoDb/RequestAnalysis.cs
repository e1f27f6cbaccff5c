using System.Diagnostics.CodeAnalysis;

namespace Gateway.Policies.DynamoDb;

/// <summary>
/// Either every authorization check a request needs, or "cannot analyze" with a reason. Callers treat
/// "cannot analyze" as a deny.
/// </summary>
public sealed record RequestAnalysis
{
    private RequestAnalysis(IReadOnlyList<AuthorizationCheck>? checks, string? error, string operation)
    {
        Checks = checks ?? [];
        Error = error;
        Operation = operation;
    }

    public string Operation { get; }
    public IReadOnlyList<AuthorizationCheck> Checks { get; }
    public string? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>Names of tables the request touches (so callers can learn their key schemas).</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];

    public static RequestAnalysis Success(string operation, IReadOnlyList<AuthorizationCheck> checks) => new(checks, null, operation);
    public static RequestAnalysis CannotAnalyze(string operation, string reason) => new(null, reason, operation);
}
