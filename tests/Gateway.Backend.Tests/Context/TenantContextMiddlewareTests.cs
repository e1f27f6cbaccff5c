using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Gateway.Backend.Context;
using Gateway.Backend.DynamoDb;
using Gateway.Envelopes;
using Gateway.Envelopes.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Backend.Tests.Context;

public sealed class TenantContextMiddlewareTests : IAsyncLifetime
{
    private TenantContextTestHost _host = null!;

    public async Task InitializeAsync() => _host = await TenantContextTestHost.StartAsync(Map);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ValidEnvelope_EndpointSeesTenantContext()
    {
        var response = await SendAsync("/whoami", Envelope());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("acme", body.GetProperty("organizationId").GetString());
        Assert.Equal("alice", body.GetProperty("userId").GetString());
        Assert.Equal("ADMINISTRATOR", body.GetProperty("role").GetString());
        Assert.Equal("req-0001", body.GetProperty("requestId").GetString());
        Assert.Equal("read-write", body.GetProperty("permissionSet").GetString());
    }

    /// <summary>The envelope's shard count reaches the endpoint and the organization's TenantTable (absent = 1).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task ShardedEnvelope_TenantContextAndTableCarryTheShardCount(int shards)
    {
        var response = await SendAsync("/whoami", Envelope(EnvelopeTestData.Envelope() with { Shards = shards }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(shards, body.GetProperty("shards").GetInt32());
        Assert.Equal(shards, body.GetProperty("tableShards").GetInt32());
    }

    [Theory]
    [InlineData("0HNQC71M6NLOE:00000001", "0HNQC71M6NLOE:00000001")]
    [InlineData("not a request id!", "req-0001")]
    [InlineData(null, "req-0001")]
    public async Task RequestIdHeader_WellFormedWinsOverTheEnvelopeRid(string? header, string expected)
    {
        using var request = Request("/whoami", Envelope());
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Request-Id", header);
        }

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(expected, body.GetProperty("requestId").GetString());
        Assert.Equal("acme", body.GetProperty("organizationId").GetString());
    }

    [Fact]
    public async Task NoEnvelope_401MissingAndEndpointNotRun()
    {
        var response = await SendAsync("/whoami", envelope: null);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_missing");
    }

    [Fact]
    public async Task EnvelopeUnderAnotherKey_401Invalid()
    {
        var foreign = new TenantEnvelopeWriter(EnvelopeTestData.KeyOf("local-1", 5), EnvelopeTestData.Issuer, _host.Clock)
            .Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5));

        var response = await SendAsync("/whoami", foreign);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_invalid");
    }

    [Fact]
    public async Task EnvelopeForAnotherAudience_401Invalid()
    {
        var response = await SendAsync("/whoami", Envelope(audience: "orders"));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_invalid");
    }

    [Fact]
    public async Task ExpiredEnvelope_401Expired()
    {
        var envelope = Envelope();
        _host.Clock.Advance(TimeSpan.FromMinutes(6));

        var response = await SendAsync("/whoami", envelope);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_expired");
    }

    [Fact]
    public async Task TamperedEnvelope_401Invalid()
    {
        var envelope = Envelope();
        var tampered = envelope[..^3] + (envelope[^3] == 'A' ? "B" : "A") + envelope[^2..];

        var response = await SendAsync("/whoami", tampered);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_invalid");
    }

    [Fact]
    public async Task TwoEnvelopeHeaders_401Invalid()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.TryAddWithoutValidation("X-Tenant-Context", [Envelope(), Envelope()]);

        var response = await _host.Client.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_invalid");
    }

    [Fact]
    public async Task OptedOutEndpoint_RunsWithoutEnvelope()
    {
        var health = await SendAsync("/healthz", envelope: null);
        var guarded = await SendAsync("/whoami", envelope: null);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, guarded.StatusCode);
    }

    [Fact]
    public async Task OptedOutEndpoint_NeverGetsAFallbackTenantContext()
    {
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => SendAsync("/anonymous-tenant", Envelope()));
        var guarded = await SendAsync("/whoami", Envelope());

        Assert.Contains("No tenant context", exception.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, guarded.StatusCode);
    }

    [Fact]
    public async Task AccessDeniedFromDynamoDb_403TenantAccessDeniedAndLogged()
    {
        var denied = await SendAsync("/denied", Envelope());
        var allowed = await SendAsync("/whoami", Envelope());

        var body = await AssertProblemAsync(denied, HttpStatusCode.Forbidden, "tenant_access_denied");
        Assert.Equal("req-0001", body.GetProperty("requestId").GetString());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var log = Assert.Single(_host.Logs.GetSnapshot(), r => r.Id.Id == 5002);
        Assert.Contains("acme", log.Message, StringComparison.Ordinal);
        Assert.Contains("dynamodb:Query", log.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ExpiredTokenException")]
    [InlineData("ExpiredToken")]
    [InlineData("UnrecognizedClientException")]
    [InlineData("InvalidClientTokenId")]
    [InlineData("InvalidSignatureException")]
    [InlineData("IncompleteSignatureException")]
    [InlineData("MissingAuthenticationTokenException")]
    public async Task AwsAuthenticationErrorFromDynamoDb_503CredentialsRejectedWithHeaderNot401(string errorCode)
    {
        var refused = await SendAsync($"/aws-error/{errorCode}", Envelope());
        var allowed = await SendAsync("/whoami", Envelope());

        // Not tenant_context_invalid/expired: the envelope was valid, the store no longer honours its credential set.
        var body = await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "tenant_credentials_rejected");
        Assert.Equal("req-0001", body.GetProperty("requestId").GetString());
        Assert.Equal(["1"], refused.Headers.GetValues("X-Tenant-Credentials-Rejected"));
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.False(allowed.Headers.Contains("X-Tenant-Credentials-Rejected"));
        var log = Assert.Single(_host.Logs.GetSnapshot(), r => r.Id.Id == 5003);
        Assert.Contains(errorCode, log.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%0D%0Awarn:%20forged", "\\u000d\\u000awarn: forged")]
    [InlineData("%0Bwarn", "\\u000bwarn")]
    [InlineData("%0Cwarn", "\\u000cwarn")]
    [InlineData("%C2%85warn", "\\u0085warn")]
    [InlineData("%E2%80%A8warn", "\\u2028warn")]
    [InlineData("%E2%80%A9warn", "\\u2029warn")]
    [InlineData("%22%20code=ok", "\\\" code=ok")]
    [InlineData("-ok", "-ok")] // the allow twin: a plain path is logged as it is, quoted
    public async Task RejectedEnvelope_PathWithLineBreakingCharacters_LoggedAsOneQuotedLine(string encodedSuffix, string loggedSuffix)
    {
        var response = await _host.Client.GetAsync(new Uri("/applications" + encodedSuffix, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var log = Assert.Single(_host.Logs.GetSnapshot(), r => r.Id.Id == 5001);
        AssertOneLine(log.Message);
        Assert.Contains($"path=\"/applications{loggedSuffix}\"", log.Message, StringComparison.Ordinal);
        Assert.Contains("method=\"GET\"", log.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\r\nwarn: forged", "\\u000d\\u000awarn: forged")]
    [InlineData("\vwarn", "\\u000bwarn")]
    [InlineData("\fwarn", "\\u000cwarn")]
    [InlineData("\u0085warn", "\\u0085warn")]
    [InlineData("\u2028warn", "\\u2028warn")]
    [InlineData("\u2029warn", "\\u2029warn")]
    [InlineData("\" user=\"root", "\\\" user=\\\"root")]
    [InlineData("", "")] // the allow twin: plain values are logged as they are, quoted
    public async Task DynamoDbRefusal_EnvelopeValuesWithLineBreakingCharacters_LoggedAsOneQuotedLinePerEvent(string raw, string logged)
    {
        var envelope = Envelope(EnvelopeTestData.Envelope() with { OrganizationId = "acme" + raw, UserId = "alice" + raw, RequestId = "req" + raw });

        var denied = await SendAsync("/denied", envelope);
        var refused = await SendAsync("/aws-error/UnrecognizedClientException", envelope);

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var records = _host.Logs.GetSnapshot();
        var accessDenied = Assert.Single(records, r => r.Id.Id == 5002);
        var credentialsRefused = Assert.Single(records, r => r.Id.Id == 5003);
        foreach (var record in records)
        {
            AssertOneLine(record.Message);
        }

        Assert.Contains($"organization=\"acme{logged}\" user=\"alice{logged}\"", accessDenied.Message, StringComparison.Ordinal);
        Assert.Contains($"request=\"req{logged}\"", accessDenied.Message, StringComparison.Ordinal);
        Assert.Contains($"organization=\"acme{logged}\" request=\"req{logged}\"", credentialsRefused.Message, StringComparison.Ordinal);
        var scope = Assert.Single(accessDenied.Scopes, s => s?.ToString()?.StartsWith("org=", StringComparison.Ordinal) == true)!.ToString()!;
        AssertOneLine(scope);
        Assert.Equal($"org=\"acme{logged}\" user=\"alice{logged}\" request=\"req{logged}\"", scope);
    }

    [Theory]
    [InlineData("/aws-error-uncoded/400")]
    [InlineData("/aws-error-uncoded/400?emptyCode=true")]
    [InlineData("/aws-error-uncoded/403")]
    public async Task DynamoDbClientErrorWithoutCode_503CredentialsRejectedLoggedWithoutStackTrace(string path)
    {
        var refused = await SendAsync(path, Envelope());
        var allowed = await SendAsync("/whoami", Envelope());

        await AssertProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "tenant_credentials_rejected");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var records = _host.Logs.GetSnapshot();
        var log = Assert.Single(records, r => r.Id.Id == 5003);
        Assert.Contains("exception=AmazonDynamoDBException code=", log.Message, StringComparison.Ordinal);
        Assert.All(records, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(records, r => r.Message.Contains(" at ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/aws-error/ExpiredTokenException")]
    [InlineData("/aws-error/UnrecognizedClientException")]
    [InlineData("/aws-error-uncoded/403")]
    [InlineData("/aws-error-uncoded/503")]
    public async Task AwsErrorFromAnotherClientOfTheBackend_NeitherCredentialsRejectedNorDataStoreUnavailable(string path)
    {
        // An S3/SQS/own-role client failing is not the organization's credential set being refused: answering
        // tenant_credentials_rejected would let any caller who can provoke such an error make the gateway drop and re-mint
        // the organization's credentials. The twin: the same error out of the scoped client is a 503.
        // TestServer surfaces unhandled exceptions to the caller: the error was not turned into either 503.
        await Assert.ThrowsAsync<AmazonDynamoDBException>(() => SendAsync(path + "?otherClient=true", Envelope()));
        var twin = await SendAsync(path, Envelope());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, twin.StatusCode);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task DynamoDbServerErrorWithoutCode_503DataStoreUnavailableNotCredentials(int status)
    {
        // A 5xx without a code (e.g. an HTML error page from a proxy) is the data store failing, not the caller's credentials.
        var failed = await SendAsync($"/aws-error-uncoded/{status}", Envelope());

        await AssertProblemAsync(failed, HttpStatusCode.ServiceUnavailable, "data_store_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(1), failed.Headers.RetryAfter?.Delta);
        Assert.False(failed.Headers.Contains("X-Tenant-Credentials-Rejected"));
        Assert.DoesNotContain(_host.Logs.GetSnapshot(), r => r.Id.Id == 5003);
        Assert.Single(_host.Logs.GetSnapshot(), r => r.Id.Id == 5005);
    }

    [Fact]
    public async Task EnvelopeWithLineFeedInAccessKeyId_401InvalidAndEndpointNotRun()
    {
        var malformed = await SendAsync("/whoami", Envelope(EnvelopeTestData.Envelope() with { AccessKeyId = "ASIAEXAMPLE\nACCESSKEY" }));
        var wellFormed = await SendAsync("/whoami", Envelope(EnvelopeTestData.Envelope() with { AccessKeyId = "ASIAEXAMPLEACCESSKEY" }));

        await AssertProblemAsync(malformed, HttpStatusCode.Unauthorized, "tenant_context_invalid");
        Assert.Equal(HttpStatusCode.OK, wellFormed.StatusCode);
        var log = Assert.Single(_host.Logs.GetSnapshot(), r => r.Id.Id == 5001);
        Assert.Contains("implausible claim 'aws_akid'", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherDynamoDbErrors_NotMappedToAccessDenied()
    {
        // TestServer surfaces unhandled exceptions to the caller: the throttling error was not turned into a 403.
        var exception = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => SendAsync("/throttled", Envelope()));

        Assert.Equal("ThrottlingException", exception.ErrorCode);
    }

    [Fact]
    public async Task DynamoClient_ReusedForSameCredentialGeneration_NewForNext()
    {
        var first = await _host.Client.SendAsync(Request("/client", Envelope()));
        var second = await _host.Client.SendAsync(Request("/client", Envelope()));
        var rotated = await _host.Client.SendAsync(Request("/client", Envelope(EnvelopeTestData.Envelope() with { AccessKeyId = "ASIANEXTGENERATION01" })));

        var a = await first.Content.ReadAsStringAsync();
        var b = await second.Content.ReadAsStringAsync();
        var c = await rotated.Content.ReadAsStringAsync();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task LogsAndProblems_NeverContainCredentials()
    {
        await SendAsync("/denied", Envelope());
        await SendAsync("/whoami", Envelope(audience: "orders"));
        var problem = await (await SendAsync("/denied", Envelope())).Content.ReadAsStringAsync();

        var logs = string.Join('\n', _host.Logs.GetSnapshot().Select(r => r.Message + r.Exception));
        Assert.NotEmpty(logs);
        foreach (var secret in new[] { EnvelopeTestData.Secret, EnvelopeTestData.Token })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RejectionStatusConfiguredTo403_403()
    {
        var configuration = TenantContextTestHost.DefaultConfiguration();
        configuration["TenantContext:RejectionStatusCode"] = "403";
        await using var host = await TenantContextTestHost.StartAsync(Map, configuration);

        var response = await host.Client.GetAsync(new Uri("/whoami", UriKind.Relative));

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "tenant_context_missing");
    }

    [Fact]
    public async Task InvalidConfiguration_StartFailsListingEveryError()
    {
        var configuration = new Dictionary<string, string?> { ["TenantContext:Keys:0:KeyId"] = "k1", ["TenantContext:Keys:0:Key"] = "c2hvcnQ=" };

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => TenantContextTestHost.StartAsync(Map, configuration));

        Assert.Contains("TenantContext:Audience", exception.Message, StringComparison.Ordinal);
        Assert.Contains("TenantContext:Keys:0:Key", exception.Message, StringComparison.Ordinal);
    }

    private static void Map(WebApplication app)
    {
        app.MapGet("/healthz", () => "ok").AllowWithoutTenantContext();
        app.MapGet("/anonymous-tenant", [AllowWithoutTenantContext] (ITenantContext tenant) => tenant.OrganizationId);
        app.MapGet("/whoami", (ITenantContext tenant) => new
        {
            tenant.OrganizationId,
            tenant.UserId,
            tenant.Role,
            tenant.RequestId,
            tenant.PermissionSet,
            tenant.Shards,
            TableShards = tenant.Table("Applications", sortKeyName: "applicationId").Shards,
        });
        app.MapGet("/client", (ITenantContext tenant) => RuntimeHelpers.GetHashCode(tenant.Dynamo).ToString(System.Globalization.CultureInfo.InvariantCulture));
        app.MapGet("/denied", IResult (ITenantContext tenant) => throw new AmazonDynamoDBException(
            "User: arn:aws:sts::000000000000:assumed-role/TenantDataAccess/acme is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Applications")
        {
            ErrorCode = "AccessDeniedException",
            StatusCode = HttpStatusCode.BadRequest,
        });
        // As the scoped client throws them (marked), unless ?otherClient=true: another AWS client of the backend.
        app.MapGet("/aws-error/{code}", IResult (string code, bool? otherClient) => throw FromScopedClient(new AmazonDynamoDBException("The security token included in the request is invalid")
        {
            ErrorCode = code,
            StatusCode = HttpStatusCode.BadRequest,
        }, otherClient));
        app.MapGet("/aws-error-uncoded/{status:int}", IResult (int status, bool? emptyCode, bool? otherClient) => throw FromScopedClient(new AmazonDynamoDBException("Bad Request")
        {
            ErrorCode = emptyCode == true ? string.Empty : null,
            StatusCode = (HttpStatusCode)status,
        }, otherClient));
        app.MapGet("/throttled", IResult () => throw new AmazonDynamoDBException("Rate exceeded") { ErrorCode = "ThrottlingException" });
    }

    private static Exception FromScopedClient(Exception exception, bool? otherClient)
    {
        if (otherClient != true)
        {
            TracedDynamoDbClient.Mark(exception);
        }

        return exception;
    }

    private string Envelope(string audience = EnvelopeTestData.Audience) => Envelope(EnvelopeTestData.Envelope(), audience);

    private string Envelope(TenantEnvelope envelope, string audience = EnvelopeTestData.Audience) =>
        new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, _host.Clock).Write(envelope, audience, TimeSpan.FromMinutes(5));

    private static HttpRequestMessage Request(string path, string? envelope)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (envelope is not null)
        {
            request.Headers.Add("X-Tenant-Context", envelope);
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string? envelope)
    {
        using var request = Request(path, envelope);
        return await _host.Client.SendAsync(request);
    }

    private static readonly System.Buffers.SearchValues<char> LineBreaks = System.Buffers.SearchValues.Create("\r\n\v\f\u0085\u2028\u2029");

    /// <summary>One event, one line: no character that a terminal, a log shipper or an editor takes for a line break.</summary>
    private static void AssertOneLine(string message) => Assert.True(message.AsSpan().IndexOfAny(LineBreaks) < 0, $"line break in: {message}");

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.True(body.TryGetProperty("requestId", out _));
        return body;
    }
}
