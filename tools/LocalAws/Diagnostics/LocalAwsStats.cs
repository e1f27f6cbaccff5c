using System.Collections.Concurrent;

namespace LocalAws.Diagnostics;

/// <summary>
/// Counters behind <c>GET /_localaws/stats</c>. AssumeRole calls are also counted per whole UTC second of their arrival
/// (the last <see cref="SecondsKept"/> seconds), so a load test can check an AssumeRole budget per second without
/// sampling the total at the right moments.
/// </summary>
internal sealed class LocalAwsStats(TimeProvider clock)
{
    public const int SecondsKept = 600;
    private readonly long[] _second = new long[SecondsKept];
    private readonly long[] _callsInSecond = new long[SecondsKept];
    private readonly Lock _secondsLock = new();
    private readonly ConcurrentDictionary<string, long> _dynamoDbErrors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _stsErrors = new(StringComparer.Ordinal);
    private long _assumeRoleCalls;
    private long _assumeRoleSucceeded;
    private long _dynamoDbRequests;
    private long _dynamoDbAllowed;
    private long _denied;
    private long _throttled;

    public void AssumeRoleCalled()
    {
        Interlocked.Increment(ref _assumeRoleCalls);
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % SecondsKept);
        lock (_secondsLock)
        {
            if (_second[slot] != second)
            {
                _second[slot] = second;
                _callsInSecond[slot] = 0;
            }

            _callsInSecond[slot]++;
        }
    }

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

    /// <summary>A DynamoDB request refused by the per-partition-key budget (ProvisionedThroughputExceededException); not a denial.</summary>
    public void DynamoDbThrottled() => Interlocked.Increment(ref _throttled);

    public StatsSnapshot Snapshot() => new(
        Interlocked.Read(ref _assumeRoleCalls),
        AssumeRoleCallsBySecond(),
        Interlocked.Read(ref _assumeRoleSucceeded),
        Interlocked.Read(ref _dynamoDbRequests),
        Interlocked.Read(ref _dynamoDbAllowed),
        Interlocked.Read(ref _denied),
        new SortedDictionary<string, long>(_dynamoDbErrors, StringComparer.Ordinal),
        new SortedDictionary<string, long>(_stsErrors, StringComparer.Ordinal),
        Interlocked.Read(ref _throttled));

    /// <summary>AssumeRole calls per whole UTC second (Unix seconds as strings) of the last <see cref="SecondsKept"/> seconds; seconds without calls are absent.</summary>
    private SortedDictionary<string, long> AssumeRoleCallsBySecond()
    {
        var oldest = clock.GetUtcNow().ToUnixTimeSeconds() - SecondsKept + 1;
        var bySecond = new SortedDictionary<string, long>(StringComparer.Ordinal);
        lock (_secondsLock)
        {
            for (var i = 0; i < SecondsKept; i++)
            {
                if (_callsInSecond[i] > 0 && _second[i] >= oldest)
                {
                    bySecond[_second[i].ToString(System.Globalization.CultureInfo.InvariantCulture)] = _callsInSecond[i];
                }
            }
        }

        return bySecond;
    }
}

/// <summary>JSON: <c>{"assumeRoleCalls","assumeRoleCallsBySecond","assumeRoleSucceeded","dynamoDbRequests","dynamoDbAllowed","denied","deniedByCode","stsErrorsByCode","throttled"}</c>.</summary>
internal sealed record StatsSnapshot(
    long AssumeRoleCalls,
    IReadOnlyDictionary<string, long> AssumeRoleCallsBySecond,
    long AssumeRoleSucceeded,
    long DynamoDbRequests,
    long DynamoDbAllowed,
    long Denied,
    IReadOnlyDictionary<string, long> DeniedByCode,
    IReadOnlyDictionary<string, long> StsErrorsByCode,
    long Throttled);
