using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.SecurityToken;

namespace Gateway.Testing;

/// <summary>
/// A real LocalAws process (STS + IAM-enforcing DynamoDB over dynalite + dev token issuer) on a free loopback port,
/// for tests and load tests. Dispose stops LocalAws and with it dynalite (no orphans).
/// <code>
/// await using var aws = await LocalAwsHost.StartAsync();
/// using var sts = aws.CreateStsClient(aws.GatewayCredentials);
/// var token = await aws.MintTokenAsync("alice", claims: new Dictionary&lt;string, object?&gt; { ["org_id"] = "acme" });
/// </code>
/// </summary>
public sealed partial class LocalAwsHost : IAsyncDisposable
{
    public const string AccountId = "000000000000";
    public const string Region = "us-east-1";
    public const string AdminAccessKeyId = "AKIALOCALADMIN000001";
    public const string AdminSecretAccessKey = "local-admin-secret";
    public const string GatewayAccessKeyId = "AKIALOCALGATEWAY0001";
    public const string GatewaySecretAccessKey = "local-gateway-secret";
    public const string GatewayUserArn = "arn:aws:iam::000000000000:user/gateway";
    public const string OperatorAccessKeyId = "AKIALOCALOPERATOR001";
    public const string OperatorSecretAccessKey = "local-operator-secret";
    public const string OperatorUserArn = "arn:aws:iam::000000000000:user/operator";
    public const string TenantRoleArn = "arn:aws:iam::000000000000:role/TenantDataAccess";
    public const string DefaultAudience = "tenant-gateway";

    private readonly ProcessHost _process;
    private readonly HttpClient _http;

    private LocalAwsHost(ProcessHost process, int port)
    {
        _process = process;
        Port = port;
        Url = new Uri($"http://127.0.0.1:{port}/");
        _http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    public int Port { get; }

    /// <summary>The dev token issuer, <c>http://127.0.0.1:PORT</c> (no trailing slash), also the OIDC authority.</summary>
    public string Issuer => $"http://127.0.0.1:{Port}";

    /// <summary>The <c>admin</c> principal (allowed everything).</summary>
    public AWSCredentials AdminCredentials { get; } = new BasicAWSCredentials(AdminAccessKeyId, AdminSecretAccessKey);

    /// <summary>The <c>gateway</c> principal (AssumeRole on TenantDataAccess; reads Organizations/OrganizationUsers).</summary>
    public AWSCredentials GatewayCredentials { get; } = new BasicAWSCredentials(GatewayAccessKeyId, GatewaySecretAccessKey);

    /// <summary>The <c>operator</c> principal (the template's TenantRevocationPolicy: the tenant role's inline policies; the identity of <c>revoke</c>).</summary>
    public AWSCredentials OperatorCredentials { get; } = new BasicAWSCredentials(OperatorAccessKeyId, OperatorSecretAccessKey);

    /// <summary>Process id of LocalAws.</summary>
    public int ProcessId => _process.ProcessId;

    /// <summary>Process id of the dynalite child (from LocalAws's start-up log), or null when an upstream was used.</summary>
    public int? DynaliteProcessId { get; private set; }

    /// <summary>URL of the dynalite child (from LocalAws's start-up log), for benchmarks that bypass LocalAws; null when an upstream was used.</summary>
    public Uri? DynaliteUrl { get; private set; }

    /// <summary>The tail of LocalAws's output (start-up, authorization denials, STS errors).</summary>
    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>LocalAws.dll</c> (built in the same configuration as the tests) on a free port and waits for its ready line.</summary>
    public static async Task<LocalAwsHost> StartAsync(LocalAwsHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalAwsHostOptions();
        var dll = Built.LocalAwsDll;
        for (var attempt = 1; ; attempt++)
        {
            var port = options.Port ?? FreePort.Next();
            var args = new List<string> { "--port", port.ToString(CultureInfo.InvariantCulture) };
            if (!options.Seed) { args.Add("--no-seed"); }
            if (options.DataDirectory is not null) { args.AddRange(["--data-dir", options.DataDirectory]); }
            if (options.DynamoDbUpstream is not null) { args.AddRange(["--dynamodb-upstream", options.DynamoDbUpstream.ToString()]); }
            if (options.ConfigFile is not null) { args.AddRange(["--config", options.ConfigFile]); }
            if (options.CloudFormationTemplate is not null) { args.AddRange(["--cloudformation", options.CloudFormationTemplate]); }
            foreach (var (name, value) in options.Parameters) { args.AddRange(["--parameter", $"{name}={value}"]); }
            foreach (var (name, value) in options.SsmParameters) { args.AddRange(["--ssm-parameter", $"{name}={value}"]); }
            if (!options.PartitionThroughput) { args.Add("--no-partition-throughput"); }
            if (options.PartitionWriteUnits is { } writeUnits) { args.AddRange(["--partition-write-units", writeUnits.ToString(CultureInfo.InvariantCulture)]); }
            if (options.PartitionReadUnits is { } readUnits) { args.AddRange(["--partition-read-units", readUnits.ToString(CultureInfo.InvariantCulture)]); }
            var env = new Dictionary<string, string?>(options.Environment);
            var readyLine = $"LocalAws listening on http://127.0.0.1:{port}";
            try
            {
                var process = await ProcessHost.StartDotnetAsync(dll, args, env, RepoPaths.Root, line => line.StartsWith(readyLine, StringComparison.Ordinal), null, options.StartTimeout, cancellationToken).ConfigureAwait(false);
                var host = new LocalAwsHost(process, port);
                var match = DynalitePid().Match(process.Output);
                host.DynaliteProcessId = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
                host.DynaliteUrl = match.Success ? new Uri(match.Groups[2].Value) : null;
                return host;
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // The free port was taken between probing and binding; try another.
            }
        }
    }

    /// <summary>A DynamoDB client pointed at LocalAws (no retries unless <paramref name="configure"/> sets them).</summary>
    public AmazonDynamoDBClient CreateDynamoDbClient(AWSCredentials credentials, Action<AmazonDynamoDBConfig>? configure = null)
    {
        var config = new AmazonDynamoDBConfig { ServiceURL = Url.ToString(), AuthenticationRegion = Region, MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(30) };
        configure?.Invoke(config);
        return new AmazonDynamoDBClient(credentials, config);
    }

    /// <summary>An STS client pointed at LocalAws (no retries unless <paramref name="configure"/> sets them).</summary>
    public AmazonSecurityTokenServiceClient CreateStsClient(AWSCredentials credentials, Action<AmazonSecurityTokenServiceConfig>? configure = null)
    {
        var config = new AmazonSecurityTokenServiceConfig { ServiceURL = Url.ToString(), AuthenticationRegion = Region, MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(30) };
        configure?.Invoke(config);
        return new AmazonSecurityTokenServiceClient(credentials, config);
    }

    /// <summary>
    /// Mints a dev access token (<c>POST /_localaws/tokens</c>). Audience defaults to <c>tenant-gateway</c>, lifetime to
    /// 3600 s; a negative lifetime gives an already-expired token.
    /// </summary>
    public async Task<string> MintTokenAsync(string sub, string? audience = null, int? expiresInSeconds = null, IReadOnlyDictionary<string, object?>? claims = null, CancellationToken cancellationToken = default)
    {
        var body = new Dictionary<string, object?> { ["sub"] = sub };
        if (audience is not null) { body["audience"] = audience; }
        if (expiresInSeconds is not null) { body["expiresInSeconds"] = expiresInSeconds; }
        if (claims is not null) { body["claims"] = claims; }
        using var response = await _http.PostAsJsonAsync("_localaws/tokens", body, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>
    /// Rotates the dev token issuer's signing key (<c>POST /_localaws/keys/rotate</c>): new tokens are signed with a new
    /// key; the JWKS keeps the previous key only when <paramref name="keepPrevious"/>. Returns the new key id.
    /// </summary>
    public async Task<string> RotateSigningKeyAsync(bool keepPrevious = false, CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsJsonAsync("_localaws/keys/rotate", new Dictionary<string, object?> { ["keepPrevious"] = keepPrevious }, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return json.RootElement.GetProperty("kid").GetString()!;
    }

    /// <summary>Sets the STS fault: <c>none</c>, <c>throttle</c>, <c>error</c>, <c>unavailable</c> or <c>latency</c>.</summary>
    public async Task SetStsFaultAsync(string mode, int latencyMs = 0, int? durationSeconds = null, CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsJsonAsync("_localaws/faults", new { sts = mode, latencyMs, durationSeconds }, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync("_localaws/faults", cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Moves LocalAws's credential clock (session expiry, token times) forward by <paramref name="by"/>.</summary>
    public async Task AdvanceClockAsync(TimeSpan by, CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsJsonAsync("_localaws/clock", new { advanceSeconds = by.TotalSeconds }, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public async Task ResetClockAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync("_localaws/clock", cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary><c>GET /_localaws/stats</c>.</summary>
    public async Task<LocalAwsStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var stats = await _http.GetFromJsonAsync<LocalAwsStats>("_localaws/stats", cancellationToken).ConfigureAwait(false);
        return stats ?? throw new InvalidOperationException("LocalAws returned no stats.");
    }

    /// <summary>An HTTP client whose base address is LocalAws (for discovery, JWKS, raw requests). Not owned by the caller.</summary>
    public HttpClient Http => _http;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex(@"dynalite started \(pid (\d+)\) on (\S+)")]
    private static partial Regex DynalitePid();
}
