using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;

namespace Applications.Api;

/// <summary>
/// Legacy mode (<see cref="ApplicationsOptions.LegacyTable"/>): the same API over a table keyed by <c>applicationId</c>,
/// with the backend's own, unscoped credentials — the "before" picture of a migration. Every list response says
/// <c>"source": "legacy"</c> so a caller (and the tests) can tell which backend answered.
/// </summary>
internal static class LegacyEndpoints
{
    public const string OrganizationHeader = "X-Tenant-Organization-Id";

    public static IServiceCollection AddLegacyApplications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IAmazonDynamoDB>(_ =>
        {
            var config = new AmazonDynamoDBConfig { AuthenticationRegion = configuration["TenantContext:DynamoDb:Region"] ?? "us-east-1" };
            if (configuration["TenantContext:DynamoDb:ServiceUrl"] is { Length: > 0 } url)
            {
                config.ServiceURL = url;
            }
            else
            {
                config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(config.AuthenticationRegion);
            }

            return new AmazonDynamoDBClient(DefaultAWSCredentialsIdentityResolver.GetCredentials(), config);
        });
        return services;
    }

    public static IEndpointRouteBuilder MapLegacyEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok", source = "legacy" }));
        routes.MapGet("/applications", ListAsync);
        return routes;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IAmazonDynamoDB dynamoDb, IOptions<ApplicationsOptions> options, CancellationToken cancellationToken)
    {
        var organization = request.Headers[OrganizationHeader].ToString();
        if (string.IsNullOrEmpty(organization))
        {
            return TypedResults.Problem(statusCode: 400, extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = "organization_required" });
        }

        var o = options.Value;
        var query = new QueryRequest
        {
            TableName = o.LegacyTable,
            IndexName = o.LegacyIndex,
            KeyConditionExpression = "#o = :o",
            ExpressionAttributeNames = new Dictionary<string, string>(StringComparer.Ordinal) { ["#o"] = o.LegacyOrganizationAttribute },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [":o"] = new AttributeValue { S = organization } },
        };
        var applications = new List<Application>();
        do
        {
            var response = await dynamoDb.QueryAsync(query, cancellationToken);
            applications.AddRange((response.Items ?? []).Select(i => Application.FromItem(i) with { OrganizationId = organization }));
            query.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (query.ExclusiveStartKey is not null);
        return TypedResults.Ok(new { organizationId = organization, source = "legacy", applications });
    }
}
