using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Gateway.Backend.Diagnostics;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// The scoped DynamoDB client with a <see cref="BackendTelemetry"/> span around every call (retries included). Every
/// exception leaving a call is marked (<see cref="IsMarked"/>), so the middleware can tell a data-store connection error
/// or timeout from another component's.
/// </summary>
internal sealed class TracedDynamoDbClient(AWSCredentials credentials, AmazonDynamoDBConfig config, string organizationId)
    : AmazonDynamoDBClient(credentials, config)
{
    private const string MarkKey = "Gateway.Backend.DataStore";

    /// <summary>True when <paramref name="exception"/> came out of a call of a scoped client.</summary>
    internal static bool IsMarked(Exception exception) => exception.Data.Contains(MarkKey);

    /// <summary>Marks <paramref name="exception"/> as having come out of a scoped client's call. Internal for tests.</summary>
    internal static void Mark(Exception exception)
    {
        try
        {
            exception.Data[MarkKey] = true;
        }
        catch (ArgumentException)
        {
            // A custom Data dictionary that refuses the entry: the exception stays unmarked (no 503, the failure propagates).
        }
        catch (NotSupportedException)
        {
            // Read-only Data: as above.
        }
    }

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        base.CustomizeRuntimePipeline(pipeline);
        pipeline.AddHandler(new TracingHandler(organizationId));
    }

    private sealed class TracingHandler(string organizationId) : PipelineHandler
    {
        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            using var activity = Start(executionContext);
            try
            {
                var response = await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
                activity?.SetTag("http.response.status_code", (int)response.HttpStatusCode);
                return response;
            }
            catch (AmazonServiceException ex)
            {
                Mark(ex);
                activity?.SetTag("http.response.status_code", (int)ex.StatusCode);
                activity?.SetTag("aws.error_code", ex.ErrorCode);
                activity?.SetStatus(ActivityStatusCode.Error, ex.ErrorCode);
                throw;
            }
            catch (Exception ex)
            {
                Mark(ex);
                activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                throw;
            }
        }

        private Activity? Start(IExecutionContext executionContext)
        {
            if (!BackendTelemetry.Source.HasListeners())
            {
                return null;
            }

            var requestName = executionContext.RequestContext.RequestName ?? "Unknown";
            var operation = requestName.EndsWith("Request", StringComparison.Ordinal) ? requestName[..^"Request".Length] : requestName;
            var activity = BackendTelemetry.Source.StartActivity("DynamoDB." + operation, ActivityKind.Client);
            if (activity is not null)
            {
                activity.SetTag("rpc.system", "aws-api");
                activity.SetTag("rpc.service", "DynamoDB");
                activity.SetTag("rpc.method", operation);
                activity.SetTag("db.system.name", "aws.dynamodb");
                activity.SetTag("organization.id", organizationId);
                if (TableName(executionContext.RequestContext.OriginalRequest) is { } table)
                {
                    activity.SetTag("aws.dynamodb.table_names", new[] { table });
                }
            }

            return activity;
        }

        private static string? TableName(AmazonWebServiceRequest request) => request switch
        {
            QueryRequest r => r.TableName,
            GetItemRequest r => r.TableName,
            PutItemRequest r => r.TableName,
            UpdateItemRequest r => r.TableName,
            DeleteItemRequest r => r.TableName,
            ScanRequest r => r.TableName,
            DescribeTableRequest r => r.TableName,
            _ => null,
        };
    }
}
