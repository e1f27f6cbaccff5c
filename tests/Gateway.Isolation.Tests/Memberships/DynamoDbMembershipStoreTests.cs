using System.Net;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Gateway.Isolation.Memberships;
using Gateway.Policies;

namespace Gateway.Isolation.Tests.Memberships;

/// <summary>
/// The store's two reads (membership row, organization status) through the real AWS SDK against a gated HTTP handler:
/// both requests are on the wire before either is answered, and a failure of either one denies.
/// </summary>
public sealed class DynamoDbMembershipStoreTests
{
    private static readonly OrganizationId Org = OrganizationId.Parse("org-1");

    [Fact]
    public async Task LookupAsync_BothReadsStartBeforeEitherCompletes_Member()
    {
        var handler = new GatedHandler(failTable: null);
        using var client = Client(handler);
        var store = new DynamoDbMembershipStore(client, TestOptions.Wrap(TestOptions.Valid()));

        var membership = await store.LookupAsync("user-1", Org, CancellationToken.None);

        Assert.Equal(MembershipStatus.Member, membership.Status);
        Assert.Equal("ADMINISTRATOR", membership.Role);
        Assert.Equal(2, handler.MaxInFlight);
    }

    [Theory]
    [InlineData("OrganizationUsers")]
    [InlineData("Organizations")]
    public async Task LookupAsync_EitherReadFails_Unavailable(string failTable)
    {
        var handler = new GatedHandler(failTable);
        using var client = Client(handler);
        var store = new DynamoDbMembershipStore(client, TestOptions.Wrap(TestOptions.Valid()));

        await Assert.ThrowsAsync<MembershipUnavailableException>(() => store.LookupAsync("user-1", Org, CancellationToken.None));
        Assert.Equal(2, handler.MaxInFlight);
    }

    private static AmazonDynamoDBClient Client(GatedHandler handler) => new(
        new BasicAWSCredentials("AKIATESTTEST00000001", "test-secret"),
        new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9", HttpClientFactory = new Factory(handler), MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(10) });

    private sealed class Factory(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);
    }

    /// <summary>Answers nothing until two requests are in flight (bounded wait: a serial caller times out here).</summary>
    private sealed class GatedHandler(string? failTable) : HttpMessageHandler
    {
        private readonly TaskCompletionSource _bothArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;

        public int MaxInFlight { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            var now = Interlocked.Increment(ref _inFlight);
            lock (this)
            {
                MaxInFlight = Math.Max(MaxInFlight, now);
            }

            if (now >= 2)
            {
                _bothArrived.TrySetResult();
            }

            await _bothArrived.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            Interlocked.Decrement(ref _inFlight);
            var organizations = body.Contains("\"TableName\":\"Organizations\"", StringComparison.Ordinal);
            var table = organizations ? "Organizations" : "OrganizationUsers";
            if (table == failTable)
            {
                return Json(HttpStatusCode.BadRequest, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}");
            }

            return Json(HttpStatusCode.OK, organizations
                ? "{\"Item\":{\"organizationId\":{\"S\":\"org-1\"},\"status\":{\"S\":\"ACTIVE\"}}}"
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
