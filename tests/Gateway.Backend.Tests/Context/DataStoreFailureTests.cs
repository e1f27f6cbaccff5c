using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.Context;
using Gateway.Backend.DynamoDb;
using Gateway.Envelopes;
using Gateway.Envelopes.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Backend.Tests.Context;

/// <summary>
/// The scoped client (the real AWS SDK) against a data store that refuses connections, hangs, or answers: connection
/// errors and timeouts become 503 <c>data_store_unavailable</c> with <c>Retry-After</c> within the configured timeouts;
/// a store that answers is 200 (the allow twin); another component's connection error is not mistaken for the store's.
/// </summary>
public sealed class DataStoreFailureTests
{
    [Fact]
    public async Task StoreRefusesConnections_503DataStoreUnavailableWithRetryAfter()
    {
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        await using var host = await StartAsync("http://127.0.0.1:9");

        using var response = await SendAsync(host, "/item");
        using var whoami = await SendAsync(host, "/whoami");

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "data_store_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.False(response.Headers.Contains(TenantContextProblemCodes.CredentialsRejectedHeader));
        Assert.Equal(HttpStatusCode.OK, whoami.StatusCode);
        var log = Assert.Single(host.Logs.GetSnapshot(), r => r.Id.Id == 5005);
        Assert.Contains("organization=\"acme\"", log.Message, StringComparison.Ordinal);
        Assert.Null(log.Exception);
    }

    [Fact]
    public async Task StoreHangs_503DataStoreUnavailableWithinTheConfiguredTimeouts()
    {
        await using var store = new FakeDynamoDbEndpoint { Hang = true };
        await using var host = await StartAsync(store.Url, timeout: "00:00:00.500", maxErrorRetry: 1);

        var clock = Stopwatch.StartNew();
        using var response = await SendAsync(host, "/item");
        clock.Stop();

        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "data_store_unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
        // Two attempts of 0.5 s plus the SDK's back-off: well under 5 s (the old 10 s per attempt held it 20 s and more).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(store.Connections >= 1);
    }

    [Fact]
    public async Task StoreAnswers_200_TheAllowTwin()
    {
        await using var store = new FakeDynamoDbEndpoint();
        await using var host = await StartAsync(store.Url, timeout: "00:00:00.500", maxErrorRetry: 1);

        using var response = await SendAsync(host, "/item");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("absent", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ConnectionErrorOutsideTheScopedClient_NotTakenForTheDataStore()
    {
        await using var host = await StartAsync("http://127.0.0.1:9");

        // TestServer surfaces unhandled exceptions to the caller: the endpoint's own HttpClient failure was not turned into a 503.
        await Assert.ThrowsAsync<HttpRequestException>(() => SendAsync(host, "/other-service"));
        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Id.Id == 5005);
    }

    [Fact]
    public void Defaults_BoundAHungStoreWellUnderTwentySeconds()
    {
        var options = new TenantDynamoDbOptions();

        Assert.Equal(TimeSpan.FromSeconds(2), options.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1), options.ConnectTimeout);
        Assert.Equal(2, options.MaxErrorRetry);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RetryAfter);
        Assert.True((options.MaxErrorRetry + 1) * options.Timeout <= TimeSpan.FromSeconds(6));
        using var factory = new TenantDynamoDbClientFactory(Microsoft.Extensions.Options.Options.Create(new TenantContextOptions { DynamoDb = options }), TimeProvider.System);
        Assert.Equal(options.Timeout, factory.Config.Timeout);
        Assert.Equal(options.ConnectTimeout, factory.Config.ConnectTimeout);
    }

    private static Task<TenantContextTestHost> StartAsync(string serviceUrl, string? timeout = null, int? maxErrorRetry = null)
    {
        var configuration = TenantContextTestHost.DefaultConfiguration();
        configuration["TenantContext:DynamoDb:ServiceUrl"] = serviceUrl;
        if (timeout is not null)
        {
            configuration["TenantContext:DynamoDb:Timeout"] = timeout;
            configuration["TenantContext:DynamoDb:ConnectTimeout"] = timeout;
        }

        if (maxErrorRetry is not null)
        {
            configuration["TenantContext:DynamoDb:MaxErrorRetry"] = maxErrorRetry.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TenantContextTestHost.StartAsync(Map, configuration);
    }

    private static void Map(WebApplication app)
    {
        app.MapGet("/whoami", (ITenantContext tenant) => tenant.OrganizationId);
        app.MapGet("/item", async (ITenantContext tenant, CancellationToken cancellationToken) =>
        {
            var item = await tenant.Table("Applications").GetItemAsync("applicationId", new AttributeValue { S = "app-1" }, cancellationToken: cancellationToken);
            return item is null ? "absent" : "present";
        });
        app.MapGet("/other-service", async (CancellationToken cancellationToken) =>
        {
            using var http = new HttpClient();
            return await http.GetStringAsync(new Uri("http://127.0.0.1:9/"), cancellationToken);
        });
    }

    private static async Task<HttpResponseMessage> SendAsync(TenantContextTestHost host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Tenant-Context", new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, host.Clock)
            .Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, TimeSpan.FromMinutes(5)));
        return await host.Client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, body.GetProperty("status").GetInt32());
    }

    /// <summary>
    /// A loopback TCP endpoint speaking just enough of DynamoDB's JSON protocol: every request gets <c>{}</c> (GetItem:
    /// no item), or, with <see cref="Hang"/>, the connection is accepted and never answered.
    /// </summary>
    private sealed class FakeDynamoDbEndpoint : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _clients = [];
        private readonly Task _accepting;
        private int _connections;

        public FakeDynamoDbEndpoint()
        {
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public bool Hang { get; set; }

        public int Connections => Volatile.Read(ref _connections);

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accepting;
            }
            catch (OperationCanceledException)
            {
            }

            lock (_clients)
            {
                foreach (var client in _clients)
                {
                    client.Dispose();
                }
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _connections);
                lock (_clients)
                {
                    _clients.Add(client);
                }

                if (!Hang)
                {
                    _ = AnswerAsync(client);
                }
            }
        }

        private async Task AnswerAsync(TcpClient client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[64 * 1024];
                while (!_stop.IsCancellationRequested)
                {
                    var received = new StringBuilder();
                    int headerEnd;
                    while ((headerEnd = received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    var head = received.ToString()[..headerEnd];
                    var length = head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                        .Select(p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                    var bodyRead = received.Length - headerEnd - 4;
                    while (bodyRead < length)
                    {
                        var read = await stream.ReadAsync(buffer, _stop.Token);
                        if (read == 0)
                        {
                            return;
                        }

                        bodyRead += read;
                    }

                    var response = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\nx-amzn-RequestId: fake\r\n\r\n{}";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
