using System.Net.Http.Headers;
using System.Text.Json;
using LocalAws.Signing;

namespace LocalAws.Dynalite;

/// <summary>
/// The DynamoDB-compatible server behind LocalAws (dynalite, or <c>--dynamodb-upstream</c>). Requests carry the
/// client's body bytes untouched and are re-signed with one fixed internal key, so an upstream that partitions data by
/// access key (DynamoDB Local without -sharedDb) sees a single tenant-agnostic store.
/// </summary>
internal sealed class UpstreamDynamoDb : IDisposable
{
    public const string JsonContentType = "application/x-amz-json-1.0";
    private const string InternalAccessKey = "AKIALOCALAWSINTERNAL";
    private const string InternalSecret = "localaws-internal";

    private readonly HttpClient _http;
    private readonly string _region;
    private readonly TimeProvider _wallClock;
    private readonly SigningKeyCache _signingKeys = new();

    public UpstreamDynamoDb(Uri baseAddress, string region, TimeProvider wallClock)
    {
        BaseAddress = baseAddress;
        _region = region;
        _wallClock = wallClock;
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxConnectionsPerServer = 256,
            UseProxy = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Uri BaseAddress { get; }

    /// <summary>Sends <paramref name="body"/> as operation <paramref name="operation"/>; the caller owns the response.</summary>
    public Task<HttpResponseMessage> SendAsync(string operation, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType);
        var target = "DynamoDB_20120810." + operation;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        var amzDate = SigV4.FormatAmzDate(_wallClock.GetUtcNow());
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        var host = BaseAddress.Authority;
        string[] signed = ["content-type", "host", "x-amz-date", "x-amz-target"];
        var canonical = SigV4.CanonicalRequest("POST", "/", string.Empty, signed, name => name switch
        {
            "content-type" => JsonContentType,
            "host" => host,
            "x-amz-date" => amzDate,
            _ => target,
        }, SigV4.HexSha256(body.Span));
        var date = amzDate[..8];
        var scope = $"{date}/{_region}/dynamodb/aws4_request";
        var signature = SigV4.Signature(_signingKeys.Get(InternalAccessKey, InternalSecret, date, _region, "dynamodb"), SigV4.StringToSign(amzDate, scope, canonical));
        request.Headers.TryAddWithoutValidation("Authorization", $"{SigV4AuthorizationHeader.Algorithm} Credential={InternalAccessKey}/{scope}, SignedHeaders={string.Join(';', signed)}, Signature={signature}");
        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>A JSON call for LocalAws's own use (seeding, DescribeTable). Returns status and parsed body.</summary>
    public async Task<(int Status, JsonDocument Body)> CallAsync(string operation, object request, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(request);
        using var response = await SendAsync(operation, bytes, cancellationToken);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return ((int)response.StatusCode, JsonDocument.Parse(content.Length == 0 ? "{}"u8.ToArray() : content));
    }

    /// <summary>True when the upstream answers ListTables.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (status, body) = await CallAsync("ListTables", new { Limit = 1 }, cancellationToken);
            body.Dispose();
            return status == 200;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();
}
