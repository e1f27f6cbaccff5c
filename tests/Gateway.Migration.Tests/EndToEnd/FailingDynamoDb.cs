using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Gateway.Migration.Tests.EndToEnd;

/// <summary>
/// The real SDK client against LocalAws whose Query calls fail with <c>InternalServerError</c> once
/// <paramref name="queries"/> have been answered: an AWS failure part way through a verb (exit 3), as a throttled or
/// failing DynamoDB would end it, leaving the verb's checkpoint for a re-run to resume from. Everything else is the real client.
/// </summary>
public sealed class FailingDynamoDb(AWSCredentials credentials, AmazonDynamoDBConfig config, int queries) : AmazonDynamoDBClient(credentials, config)
{
    private int _answered;

    /// <summary>Whether a Query was refused (the failure happened).</summary>
    public bool Failed { get; private set; }

    public override Task<QueryResponse> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _answered) > queries)
        {
            Failed = true;
            throw new AmazonDynamoDBException("injected failure") { ErrorCode = "InternalServerError", StatusCode = HttpStatusCode.InternalServerError };
        }

        return base.QueryAsync(request, cancellationToken);
    }
}
