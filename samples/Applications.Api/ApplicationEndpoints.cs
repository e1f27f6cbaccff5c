using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.Context;
using Gateway.Backend.DynamoDb;
using Gateway.Envelopes;
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

    /// <summary><c>POST /applications</c>: the generated id is held by an application this request did not write (409).</summary>
    public const string ConflictCode = "application_conflict";

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
        CreateApplicationRequest? request, ITenantContext tenant, IOptions<ApplicationsOptions> options, TimeProvider time, ILogger<CreateLog> logger, CancellationToken cancellationToken)
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
        var applications = Applications(tenant, options);
        try
        {
            await applications.PutItemAsync(application, "attribute_not_exists(applicationId)", cancellationToken: cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // The id is taken. Usually by this very request: DynamoDB applied an attempt whose answer was lost (the SDK's
            // per-attempt timeout, a 5xx) and the SDK's retry was then refused by its own condition. The item as stored says
            // which: this request's write carries its random id, name, creator and creation time to the tick.
            var stored = await applications.GetItemAsync(
                "applicationId", new AttributeValue { S = application.ApplicationId }, consistentRead: true, cancellationToken);
            if (stored != application)
            {
                Log.CreateConflict(logger, tenant.OrganizationId, tenant.RequestId);
                return Problem(409, ConflictCode, "The new application's id is already taken by another application; send the request again.", tenant.RequestId);
            }

            Log.CreateRetryRecognized(logger, tenant.OrganizationId, tenant.RequestId);
        }

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

    /// <summary>Log events of <c>POST /applications</c> (identifiers only; values from the request go through <see cref="LogValue.Quote(string?)"/>).</summary>
    private static partial class Log
    {
        public static void CreateRetryRecognized(ILogger logger, string organizationId, string requestId)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
#pragma warning disable CA1873 // guarded by the IsEnabled check above
                CreateRetryRecognizedCore(logger, LogValue.Quote(organizationId), LogValue.Quote(requestId));
#pragma warning restore CA1873
            }
        }

        public static void CreateConflict(ILogger logger, string organizationId, string requestId)
        {
            if (logger.IsEnabled(LogLevel.Warning))
            {
#pragma warning disable CA1873 // guarded by the IsEnabled check above
                CreateConflictCore(logger, LogValue.Quote(organizationId), LogValue.Quote(requestId));
#pragma warning restore CA1873
            }
        }

        [LoggerMessage(EventId = 6002, EventName = "CreateRetryRecognized", Level = LogLevel.Information,
            Message = "PutItem's retry was refused by its condition but the stored item is this request's own write (an earlier attempt was applied): answered 201; organization={OrganizationId} request={RequestId}")]
        private static partial void CreateRetryRecognizedCore(ILogger logger, string organizationId, string requestId);

        [LoggerMessage(EventId = 6003, EventName = "CreateConflict", Level = LogLevel.Warning,
            Message = "The new application's id is held by an item this request did not write: answered 409 application_conflict; organization={OrganizationId} request={RequestId}")]
        private static partial void CreateConflictCore(ILogger logger, string organizationId, string requestId);
    }

    private static ProblemHttpResult Problem(int status, string code, string detail, string requestId) =>
        TypedResults.Problem(
            detail: detail,
            statusCode: status,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code, ["requestId"] = requestId });
}

/// <summary>Log category of <c>POST /applications</c>.</summary>
internal sealed class CreateLog;
