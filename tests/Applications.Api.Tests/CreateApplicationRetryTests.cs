using System.Net;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;

namespace Applications.Api.Tests;

/// <summary>
/// <c>POST /applications</c> when its conditional PutItem (<c>attribute_not_exists(applicationId)</c>) is refused: the
/// sample API (real process, real AWS SDK) against LocalAws through <see cref="DynamoDbInterceptor"/>. The hot-tenant load
/// test once got an empty 500 here: an attempt DynamoDB applied whose answer was lost (the SDK's per-attempt timeout on a
/// loaded machine, or a 5xx) is retried by the SDK, and the retry is refused by its own condition
/// (<c>ConditionalCheckFailedException</c>, unhandled). Now: the retry of this request's own write → 201 with the item;
/// the id held by another writer's item → 409 <c>application_conflict</c>; any other unmapped failure → 500 problem+json
/// <c>internal_error</c>, never an empty 500.
/// </summary>
public sealed class CreateApplicationRetryTests : OwnApiProcessesTest
{
    private DynamoDbInterceptor? _interceptor;

    protected override LocalAwsHostOptions AwsOptions { get; } = new();

    private DynamoDbInterceptor Interceptor => _interceptor ?? throw new InvalidOperationException("The interceptor is not started.");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_interceptor is not null)
        {
            await _interceptor.DisposeAsync();
        }
    }

    protected override async Task<Uri> DynamoDbEndpointAsync(Uri localAws)
    {
        _interceptor = await DynamoDbInterceptor.StartAsync(localAws);
        return _interceptor.Url;
    }

    [Fact]
    public async Task Create_FirstAttemptAppliedButItsAnswerLost_SdkRetryRefusedByItsOwnCondition_201WithTheItemOnce()
    {
        using var client = CreateClient(TimeSpan.FromSeconds(60));
        var envelope = await SealAsync("alice", "acme");

        // LocalAws applies the first PutItem; the API's SDK gets a 500 instead of its answer and retries.
        Interceptor.Once("PutItem", answerStatus: 500);
        var created = await CreateAsync(client, envelope, "retried-write");

        Assert.True(created.Status == HttpStatusCode.Created, $"{(int)created.Status} {created.MediaType}: {created.Body}");
        Assert.True(Interceptor.Calls("PutItem") >= 2, "the SDK retried the PutItem");
        var application = JsonDocument.Parse(created.Body).RootElement;
        Assert.Equal("acme", application.GetProperty("organizationId").GetString());
        Assert.Equal("retried-write", application.GetProperty("name").GetString());
        Assert.Equal("alice", application.GetProperty("createdBy").GetString());
        var id = application.GetProperty("applicationId").GetString()!;

        // Stored once, as answered.
        using var list = await SendAsync(client, HttpMethod.Get, "/applications", envelope);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var named = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("applications").EnumerateArray()
            .Where(a => a.GetProperty("name").GetString() == "retried-write").ToList();
        var stored = Assert.Single(named);
        Assert.Equal(id, stored.GetProperty("applicationId").GetString());
        Assert.Equal(application.GetProperty("createdAt").GetString(), stored.GetProperty("createdAt").GetString());
        Assert.Contains("6002", ApiOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_IdTakenByAnotherWriterBeforeTheFirstAttempt_409ApplicationConflict_OtherItemUntouched()
    {
        using var client = CreateClient(TimeSpan.FromSeconds(60));
        var envelope = await SealAsync("alice", "acme");

        // Another writer puts an item under the very id the API generated, just before the API's PutItem reaches LocalAws.
        string? takenId = null;
        Interceptor.Once("PutItem", before: async body =>
        {
            var item = body.GetProperty("Item");
            takenId = item.GetProperty("applicationId").GetProperty("S").GetString();
            using var admin = Aws.CreateDynamoDbClient(Aws.AdminCredentials);
            await admin.PutItemAsync(new PutItemRequest
            {
                TableName = "Applications",
                Item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
                {
                    ["organizationId"] = new() { S = item.GetProperty("organizationId").GetProperty("S").GetString() },
                    ["applicationId"] = new() { S = takenId },
                    ["name"] = new() { S = "someone else's" },
                    ["createdAt"] = new() { S = "2026-01-01T00:00:00.0000000+00:00" },
                    ["createdBy"] = new() { S = "bob" },
                },
            });
        });
        var conflict = await CreateAsync(client, envelope, "conflicting-write");

        Assert.True(conflict.Status == HttpStatusCode.Conflict, $"{(int)conflict.Status} {conflict.MediaType}: {conflict.Body}");
        Assert.Equal("application/problem+json", conflict.MediaType);
        Assert.Equal("application_conflict", conflict.Code);
        Assert.False(string.IsNullOrEmpty(conflict.RequestId));

        // The other writer's item is what is stored; the API overwrote nothing.
        using var get = await SendAsync(client, HttpMethod.Get, "/applications/" + takenId, envelope);
        var stored = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("someone else's", stored.GetProperty("name").GetString());
        Assert.Equal("bob", stored.GetProperty("createdBy").GetString());

        // Allow twin: the next create, with nobody in between, is served.
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(client, envelope, "after-conflict")).Status);
    }

    [Fact]
    public async Task Create_DataStoreAnswersAnUnmappedError_500ProblemJsonInternalError_NotAnEmpty500()
    {
        using var client = CreateClient(TimeSpan.FromSeconds(60));
        var envelope = await SealAsync("alice", "acme");

        // A 400 error no middleware maps (not access denied, not refused credentials, not throttling, not 5xx).
        Interceptor.Once("PutItem", forward: false, answerStatus: 400, answerErrorType: "ValidationException");
        var failed = await CreateAsync(client, envelope, "unmapped-error");

        Assert.True(failed.Status == HttpStatusCode.InternalServerError, $"{(int)failed.Status} {failed.MediaType}: {failed.Body}");
        Assert.Equal("application/problem+json", failed.MediaType);
        Assert.Equal("internal_error", failed.Code);
        Assert.False(string.IsNullOrEmpty(failed.RequestId));
        Assert.DoesNotContain("replaced by the test's interceptor", failed.Body, StringComparison.Ordinal);
        Assert.Contains("6004", ApiOutput, StringComparison.Ordinal);

        // Allow twin: the same request with the store answering normally.
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(client, envelope, "unmapped-error")).Status);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string envelope)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Tenant-Context", envelope);
        return await client.SendAsync(request);
    }
}
