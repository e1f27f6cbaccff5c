using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Testing;

namespace Applications.Api.Tests;

/// <summary>
/// Base of the tests with a LocalAws and a sample API of their own (not the shared collection's), because they stop,
/// throttle or intercept the data store: LocalAws started with <see cref="AwsOptions"/>, the API as in production
/// (ASPNETCORE_ENVIRONMENT=Production, the fixture's envelope key) with its DynamoDB at LocalAws — or at what
/// <see cref="DynamoDbEndpointAsync"/> puts in front of it. Both are stopped after the test.
/// </summary>
public abstract class OwnApiProcessesTest : IAsyncLifetime
{
    private LocalAwsHost? _aws;
    private ProcessHost? _api;
    private Uri? _apiUrl;

    /// <summary>How LocalAws starts (and restarts: give a fixed <c>Port</c> to restart where the API points).</summary>
    protected abstract LocalAwsHostOptions AwsOptions { get; }

    /// <summary>LocalAws (throws while stopped by <see cref="StopAwsAsync"/>).</summary>
    protected LocalAwsHost Aws => _aws ?? throw new InvalidOperationException("LocalAws is stopped.");

    /// <summary>The API's output so far.</summary>
    protected string ApiOutput => _api?.Output ?? string.Empty;

    public async Task InitializeAsync()
    {
        await StartAwsAsync();
        var dynamoDb = await DynamoDbEndpointAsync(Aws.Url);
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort.Next()}/"));
        _api = await ProcessHost.StartDotnetAsync(
            Built.Dll("samples/Applications.Api", "Applications.Api"),
            ["--urls", TopologyEnvironment.Origin(url)],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["TenantContext__Keys__0__KeyId"] = ApplicationsApiFixture.KeyId,
                ["TenantContext__Keys__0__Key"] = ApplicationsApiFixture.KeyBase64,
                ["TenantContext__DynamoDb__ServiceUrl"] = TopologyEnvironment.Origin(dynamoDb),
            },
            RepoPaths.Root,
            readyLine: null,
            readyUrl: new Uri(url, "healthz"),
            TimeSpan.FromSeconds(60));
        _apiUrl = url;
    }

    public virtual async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
            _api = null;
        }

        await StopAwsAsync();
    }

    /// <summary>The DynamoDB endpoint the API is given, from LocalAws's address: LocalAws itself unless overridden.</summary>
    protected virtual Task<Uri> DynamoDbEndpointAsync(Uri localAws) => Task.FromResult(localAws);

    /// <summary>(Re)starts LocalAws with <see cref="AwsOptions"/>.</summary>
    protected async Task StartAwsAsync() =>
        _aws = await LocalAwsHost.StartAsync(AwsOptions with { StartTimeout = TimeSpan.FromSeconds(90) });

    /// <summary>Stops LocalAws (and with it the STS sessions it issued).</summary>
    protected async Task StopAwsAsync()
    {
        if (_aws is { } aws)
        {
            _aws = null;
            await aws.DisposeAsync();
        }
    }

    protected HttpClient CreateClient(TimeSpan timeout) =>
        new() { BaseAddress = _apiUrl ?? throw new InvalidOperationException("The API is not started."), Timeout = timeout };

    /// <summary>An envelope as the gateway would send it: real read-write credentials from this LocalAws.</summary>
    protected async Task<string> SealAsync(string user, string organization) =>
        (await ApplicationsApiFixture.SealAsync(Aws, user, organization, "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite, ApplicationsApiFixture.KeyBase64)).Envelope;

    /// <summary><c>POST /applications</c> with <paramref name="envelope"/>; a problem+json answer's code and request id read out.</summary>
    protected static async Task<Answer> CreateAsync(HttpClient client, string envelope, string name)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/applications") { Content = JsonContent.Create(new { name }) };
        request.Headers.Add("X-Tenant-Context", envelope);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string? code = null, requestId = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var body = JsonDocument.Parse(text);
            code = body.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            requestId = body.RootElement.TryGetProperty("requestId", out var r) ? r.GetString() : null;
        }

        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, code, requestId, response.Headers.RetryAfter?.Delta, text);
    }

    /// <summary>An answer of the API: status, media type, problem code and request id (problem+json only), Retry-After, body.</summary>
    protected sealed record Answer(HttpStatusCode Status, string? MediaType, string? Code, string? RequestId, TimeSpan? RetryAfter, string Body);
}
