using System.Collections.Concurrent;

namespace LocalAws.Diagnostics;

/// <summary>Counters behind <c>GET /_localaws/stats</c>.</summary>
internal sealed class LocalAwsStats
{
    private readonly ConcurrentDictionary<string, long> _dynamoDbErrors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _stsErrors = new(StringComparer.Ordinal);
    private long _assumeRoleCalls;
    private long _assumeRoleSucceeded;
    private long _dynamoDbRequests;
    private long _dynamoDbAllowed;
    private long _denied;

    public void AssumeRoleCalled() => Interlocked.Increment(ref _assumeRoleCalls);

    public void AssumeRoleSucceeded() => Interlocked.Increment(ref _assumeRoleSucceeded);

    public void StsError(string code) => _stsErrors.AddOrUpdate(code, 1, (_, n) => n + 1);

    public void DynamoDbRequest() => Interlocked.Increment(ref _dynamoDbRequests);

    public void DynamoDbAllowed() => Interlocked.Increment(ref _dynamoDbAllowed);

    /// <summary>A DynamoDB request rejected by LocalAws (authentication or authorization), by error code.</summary>
    public void DynamoDbDenied(string code)
    {
        Interlocked.Increment(ref _denied);
        _dynamoDbErrors.AddOrUpdate(code, 1, (_, n) => n + 1);
    }

    public StatsSnapshot Snapshot() => new(
        Interlocked.Read(ref _assumeRoleCalls),
        Interlocked.Read(ref _assumeRoleSucceeded),
        Interlocked.Read(ref _dynamoDbRequests),
        Interlocked.Read(ref _dynamoDbAllowed),
        Interlocked.Read(ref _denied),
        new SortedDictionary<string, long>(_dynamoDbErrors, StringComparer.Ordinal),
        new SortedDictionary<string, long>(_stsErrors, StringComparer.Ordinal));
}

/// <summary>JSON: <c>{"assumeRoleCalls","assumeRoleSucceeded","dynamoDbRequests","dynamoDbAllowed","denied","deniedByCode","stsErrorsByCode"}</c>.</summary>
internal sealed record StatsSnapshot(
    long AssumeRoleCalls,
    long AssumeRoleSucceeded,
    long DynamoDbRequests,
    long DynamoDbAllowed,
    long Denied,
    IReadOnlyDictionary<string, long> DeniedByCode,
    IReadOnlyDictionary<string, long> StsErrorsByCode);
