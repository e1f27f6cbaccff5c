using Amazon.DynamoDBv2;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// Back-off for batch calls, as Gateway.Migration's BatchWriter does it: unprocessed items and throttling errors are
/// retried with exponential back-off and full jitter (50 ms doubling to 5 s), at most <see cref="MaxAttempts"/> attempts.
/// </summary>
internal static class BatchRetry
{
    public const int MaxAttempts = 12;
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    public static bool IsThrottling(AmazonDynamoDBException e) =>
        e is Amazon.DynamoDBv2.Model.ProvisionedThroughputExceededException or Amazon.DynamoDBv2.Model.RequestLimitExceededException
        || e.ErrorCode is "ThrottlingException" or "Throttling";

    public static Task DelayAsync(int attempt, TimeProvider time, CancellationToken cancellationToken)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
#pragma warning disable CA5394 // jitter, not security
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling), time, cancellationToken);
#pragma warning restore CA5394
    }
}
