using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.Context;
using Gateway.Backend.DynamoDb;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Applications.Api;

/// <summary>
/// The API. Normal endpoints go through <see cref="TenantTable"/> (the partition key always comes from the tenant
/// context). <c>/unsafe/applications</c> is the deliberate bug: it queries whatever organization the client names,
/// and IAM (the session policy in the scoped credentials) turns that into 403 <c>tenant_access_denied</c>.
/// </summary>
internal static partial class ApplicationEndpoints
{
    private const int MaxNameLength = 200;
    private const int MaxPageSize = 1000;

    public static IEndpointRouteBuilder MapApplicationEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).AllowWithoutTenantContext();

        routes.MapGet("/whoami", (ITenantContext tenant) =>
            TypedResults.Ok(new WhoAmI(tenant.OrganizationId, tenant.UserId, tenant.Role, tenant.RequestId)));

        routes.MapGet("/applications", ListAsync);
        routes.MapGet("/applications/{applicationId}", GetAsync);
        routes.MapPost("/applications", CreateAsync);
        routes.MapDelete("/applications/{applicationId}", DeleteAsync);
        routes.MapGet("/unsafe/applications", UnsafeListAsync);
        return routes;
    }

    private static async Task<IResult> ListAsync(
        string? limit, string? paginationToken, ITenantContext tenant, IOptions<ApplicationsOptions> options, CancellationToken cancellationToken)
    {
        if (limit is null && paginationToken is null)
        {
            var applications = await Applications(tenant, options).QueryAsync(cancellationToken: cancellationToken);
            return TypedResults.Ok(new ApplicationList(tenant.OrganizationId, applications));
        }

        if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var pageSize) || pageSize is < 1 or > MaxPageSize)
        {
            return Problem(400, "invalid_limit", $"'limit' is required with 'paginationToken': a whole number from 1 to {MaxPageSize}.", tenant.RequestId);
        }

        try
        {
            var page = await Applications(tenant, options).QueryPageAsync(
                new TenantQuery { Limit = pageSize, PaginationToken = string.IsNullOrEmpty(paginationToken) ? null : paginationToken }, cancellationToken);
            return TypedResults.Ok(new ApplicationPage(tenant.OrganizationId, page.Items, page.PaginationToken));
        }
        catch (InvalidPaginationTokenException)
        {
            return Problem(400, "invalid_pagination_token", "'paginationToken' is not one this endpoint returned for your organization; start again without it.", tenant.RequestId);
        }
    }

    private static async Task<IResult> GetAsync(string applicationId, ITenantContext tenant, IOptions<ApplicationsOptions> options, CancellationToken cancellationToken)
    {
        if (!IsApplicationId(applicationId))
        {
            return Problem(400, "invalid_application_id", "The application id must be 1-64 characters of letters, digits, '-', '_' or '.'.", tenant.RequestId);
        }

        var application = await Applications(tenant, options)
            .GetItemAsync("applicationId", new AttributeValue { S = applicationId }, cancellationToken: cancellationToken);
        return application is null
            ? Problem(404, "application_not_found", "No such application in your organization.", tenant.RequestId)
            : TypedResults.Ok(application);
    }

    private static async Task<IResult> CreateAsync(
        CreateApplicationRequest? request, ITenantContext tenant, IOptions<ApplicationsOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var name = request?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            return Problem(400, "invalid_application_name", $"'name' is required: 1-{MaxNameLength} characters, no control characters.", tenant.RequestId);
        }

        var application = new Application(
            tenant.OrganizationId,
            "app-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            name,
            time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
            tenant.UserId);
        await Applications(tenant, options).PutItemAsync(
            application, "attribute_not_exists(applicationId)", cancellationToken: cancellationToken);
        return TypedResults.Created($"/applications/{application.ApplicationId}", application);
    }

    private static async Task<IResult> DeleteAsync(string applicationId, ITenantContext tenant, IOptions<ApplicationsOptions> options, CancellationToken cancellationToken)
    {
        if (!IsApplicationId(applicationId))
        {
            return Problem(400, "invalid_application_id", "The application id must be 1-64 characters of letters, digits, '-', '_' or '.'.", tenant.RequestId);
        }

        var deleted = await Applications(tenant, options)
            .DeleteItemAsync("applicationId", new AttributeValue { S = applicationId }, cancellationToken);
        return deleted
            ? TypedResults.NoContent()
            : Problem(404, "application_not_found", "No such application in your organization.", tenant.RequestId);
    }

    /// <summary>
    /// DELIBERATELY UNSAFE (the demonstration): trusts the client's <c>organizationId</c> and queries it with the
    /// scoped client, bypassing <see cref="TenantTable"/>. For any organization but the caller's, IAM denies the
    /// Query and the middleware answers 403 <c>tenant_access_denied</c>. Do not copy this into real code.
    /// </summary>
    private static async Task<IResult> UnsafeListAsync(string? organizationId, ITenantContext tenant, IOptions<ApplicationsOptions> options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(organizationId))
        {
            return Problem(400, "organization_required", "Query parameter 'organizationId' is required.", tenant.RequestId);
        }

        var response = await tenant.Dynamo.QueryAsync(new QueryRequest
        {
            TableName = options.Value.TableName,
            KeyConditionExpression = "organizationId = :org",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                [":org"] = new AttributeValue { S = organizationId },
            },
        }, cancellationToken);
        var items = response.Items ?? [];
        return TypedResults.Ok(new ApplicationList(organizationId, items.Select(Application.FromItem).ToArray()));
    }

    /// <summary>
    /// The safe path: the organization's typed view of the table; the partition key (and, for a sharded organization,
    /// the shard) always comes from the context.
    /// </summary>
    private static TenantTable<Application> Applications(ITenantContext tenant, IOptions<ApplicationsOptions> options) =>
        tenant.Table(options.Value.TableName, Application.FromItem, static a => a.ToItem(), sortKeyName: "applicationId");

    private static bool IsApplicationId(string value) => ApplicationIdPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ApplicationIdPattern();

    private static ProblemHttpResult Problem(int status, string code, string detail, string requestId) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: status,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code, ["requestId"] = requestId });
}
