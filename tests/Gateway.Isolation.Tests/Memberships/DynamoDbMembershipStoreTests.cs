using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Gateway.Isolation.Memberships;
using Gateway.Policies;

namespace Gateway.Isolation.Tests.Memberships;

/// <summary>
/// The membership store and the organization store through the real AWS SDK against a recording HTTP handler: each reads
/// its own table once (the organization's item is no longer read with every membership lookup), and a failure denies.
/// </summary>
public sealed class DynamoDbMembershipStoreTests
{
    private static readonly OrganizationId Org = OrganizationId.Parse("org-1");

    [Fact]
    public async Task LookupAsync_ReadsOnlyTheMembershipTable_Member()
    {
        var handler = new RecordingHandler(failTable: null);
        using var client = Client(handler);
        var store = new DynamoDbMembershipStore(client, TestOptions.Wrap(TestOptions.Valid()));

        var membership = await store.LookupAsync("user-1", Org, CancellationToken.None);

        Assert.True(membership.IsMember);
        Assert.Equal("ADMINISTRATOR", membership.Role);
        Assert.Equal(["OrganizationUsers"], handler.Tables);
    }

    [Fact]
    public async Task ReadAsync_ReadsOnlyTheOrganizationsTable_ActiveRecord()
    {
        var handler = new RecordingHandler(failTable: null);
        using var client = Client(handler);
        var store = new DynamoDbOrganizationStore(client, TestOptions.Watch(TestOptions.Valid()));

        var record = await store.ReadAsync(Org, CancellationToken.None);

        Assert.Equal(new OrganizationRecord(OrganizationStatus.Active, OrganizationDataLocation.Partitioned), record);
        Assert.Equal(["Organizations"], handler.Tables);
    }

    [Theory]
    [InlineData("OrganizationUsers")]
    [InlineData("Organizations")]
    public async Task EitherStore_ItsReadFails_Unavailable_TwinOtherStoreAnswers(string failTable)
    {
        var handler = new RecordingHandler(failTable);
        using var client = Client(handler);
        var memberships = new DynamoDbMembershipStore(client, TestOptions.Wrap(TestOptions.Valid()));
        var organizations = new DynamoDbOrganizationStore(client, TestOptions.Watch(TestOptions.Valid()));

        if (failTable == "Organizations")
        {
            await Assert.ThrowsAsync<MembershipUnavailableException>(() => organizations.ReadAsync(Org, CancellationToken.None));
            Assert.True((await memberships.LookupAsync("user-1", Org, CancellationToken.None)).IsMember);
        }
        else
        {
            await Assert.ThrowsAsync<MembershipUnavailableException>(() => memberships.LookupAsync("user-1", Org, CancellationToken.None));
            Assert.Equal(OrganizationStatus.Active, (await organizations.ReadAsync(Org, CancellationToken.None)).Status);
        }
    }

    private static AmazonDynamoDBClient Client(RecordingHandler handler) => new(
        new BasicAWSCredentials("AKIATESTTEST00000001", "test-secret"),
        new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9", HttpClientFactory = new Factory(handler), MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(10) });

    private sealed class Factory(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);
    }

    /// <summary>Records the table of each request; answers an item, or ResourceNotFound for <c>failTable</c>.</summary>
    private sealed class RecordingHandler(string? failTable) : HttpMessageHandler
    {
        public List<string> Tables { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var organizations = body.Contains("\"TableName\":\"Organizations\"", StringComparison.Ordinal);
            var table = organizations ? "Organizations" : "OrganizationUsers";
            lock (Tables)
            {
                Tables.Add(table);
            }

            if (table == failTable)
            {
                return Json(HttpStatusCode.BadRequest, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}");
            }

            return Json(HttpStatusCode.OK, organizations
                ? "{\"Item\":{\"organizationId\":{\"S\":\"org-1\"},\"status\":{\"S\":\"ACTIVE\"},\"dataLocation\":{\"S\":\"PARTITIONED\"}}}"
                : "{\"Item\":{\"userId\":{\"S\":\"user-1\"},\"organizationId\":{\"S\":\"org-1\"},\"role\":{\"S\":\"ADMINISTRATOR\"}}}");
        }

        private static HttpResponseMessage Json(HttpStatusCode status, string json)
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.0") };
            response.Headers.Add("x-amzn-RequestId", "test-request");
            return response;
        }
    }
}
