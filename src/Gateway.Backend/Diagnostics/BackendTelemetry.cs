using System.Diagnostics;

namespace Gateway.Backend.Diagnostics;

/// <summary>
/// Gateway.Backend's <see cref="ActivitySource"/>: one client span per call of the scoped DynamoDB client
/// (<c>DynamoDB.Query</c>, <c>DynamoDB.PutItem</c>…), a child of the request span that ASP.NET Core continues from the
/// gateway's <c>traceparent</c>. Attributes: <c>rpc.*</c>, <c>aws.dynamodb.table_names</c>, the organization, the HTTP
/// status and the AWS error code of a refusal; never a credential, key value or item. Add it to a tracer provider with
/// <c>AddSource(BackendTelemetry.ActivitySourceName)</c>; without a listener no span is created.
/// </summary>
public static class BackendTelemetry
{
    /// <summary>The activity source name.</summary>
    public const string ActivitySourceName = "gateway.backend";

    internal static readonly ActivitySource Source = new(ActivitySourceName);
}
