using Amazon.Runtime;
using Gateway.Backend.Context;
using Gateway.Envelopes;
using Microsoft.Extensions.Options;

namespace Applications.Api;

/// <summary>
/// DynamoDB throttling that outlasted the SDK's retries (<c>ProvisionedThroughputExceededException</c> — a partition key
/// value over its per-second budget, e.g. a hot, unsharded organization —, <c>ThrottlingException</c>,
/// <c>RequestLimitExceeded</c>) → 503 problem+json <c>data_store_throttled</c> with <c>Retry-After</c>
/// (<c>TenantContext:DynamoDb:RetryAfter</c>), instead of an unhandled 500. Gateway.Backend leaves throttling to the
/// endpoint (docs/backend.md); this is the sample's answer. Runs inside the tenant-context middleware, so the request id
/// is the context's.
/// </summary>
internal static partial class DataStoreThrottling
{
    public const string Code = "data_store_throttled";

    public static IApplicationBuilder UseDataStoreThrottling(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (AmazonServiceException ex) when (IsThrottling(ex) && !context.Response.HasStarted)
        {
            var tenant = context.RequestServices.GetService<ITenantContext>();
            var retryAfter = context.RequestServices.GetRequiredService<IOptions<TenantContextOptions>>().Value.DynamoDb.RetryAfter;
            Log.Throttled(context.RequestServices.GetRequiredService<ILogger<ThrottlingLog>>(), ex.ErrorCode, tenant?.OrganizationId, tenant?.RequestId);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.CacheControl = "no-store";
            await TypedResults.Problem(
                detail: "The data store is throttling this organization's requests (its partition is over its throughput); retry after Retry-After.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = Code, ["requestId"] = tenant?.RequestId ?? context.TraceIdentifier })
                .ExecuteAsync(context);
        }
    });

    internal static bool IsThrottling(AmazonServiceException exception) =>
        exception.ErrorCode is "ProvisionedThroughputExceededException" or "ThrottlingException" or "RequestLimitExceeded";

    /// <summary>Values from the request or the AWS answer go through <see cref="LogValue.Quote(string?)"/>.</summary>
    private static partial class Log
    {
        public static void Throttled(ILogger logger, string? errorCode, string? organizationId, string? requestId)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
#pragma warning disable CA1873 // guarded by the IsEnabled check above
                ThrottledCore(logger, LogValue.Quote(errorCode), LogValue.Quote(organizationId), LogValue.Quote(requestId));
#pragma warning restore CA1873
            }
        }

        [LoggerMessage(EventId = 6001, EventName = "DataStoreThrottled", Level = LogLevel.Information,
            Message = "DynamoDB throttled the request after the SDK's retries: code={ErrorCode} organization={OrganizationId} request={RequestId}")]
        private static partial void ThrottledCore(ILogger logger, string errorCode, string organizationId, string requestId);
    }
}

/// <summary>Log category of <see cref="DataStoreThrottling"/>.</summary>
internal sealed class ThrottlingLog;
