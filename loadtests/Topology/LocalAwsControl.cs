using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Testing;

namespace LoadTests.Topology;

/// <summary>LocalAws's control endpoints: dev token minting (cached per user), STS fault injection, stats.</summary>
internal sealed class LocalAwsControl : IDisposable
{
    public const string Audience = "tenant-gateway";
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public LocalAwsControl(Uri localAws)
    {
        _http = new HttpClient { BaseAddress = localAws, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A valid access token for <paramref name="subject"/> (minted once, valid 1 h).</summary>
    public async Task<string> TokenAsync(string subject, CancellationToken cancellationToken)
    {
        if (_tokens.TryGetValue(subject, out var cached))
        {
            return cached;
        }

        var token = await MintAsync(subject, 3600, null, cancellationToken).ConfigureAwait(false);
        _tokens[subject] = token;
        return token;
    }

    /// <summary>Mints a token; a negative lifetime mints an already-expired one.</summary>
    public async Task<string> MintAsync(string subject, int expiresInSeconds, IReadOnlyDictionary<string, string>? claims, CancellationToken cancellationToken)
    {
        var request = new MintRequest(subject, Audience, expiresInSeconds, claims);
        using var response = await _http.PostAsJsonAsync("/_localaws/tokens", request, s_json, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<MintResponse>(s_json, cancellationToken).ConfigureAwait(false);
        return body?.AccessToken ?? throw new InvalidOperationException("LocalAws returned no access_token.");
    }

    /// <summary>Mints tokens for many subjects with bounded parallelism.</summary>
    public Task MintManyAsync(IEnumerable<string> subjects, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(subjects, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (subject, ct) => await TokenAsync(subject, ct).ConfigureAwait(false));

    /// <summary>Makes STS fail (<c>throttle</c>, <c>error</c>, <c>latency</c>) for <paramref name="duration"/> (or until cleared).</summary>
    public async Task SetStsFaultAsync(string mode, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object>(StringComparer.Ordinal) { ["sts"] = mode };
        if (duration is { } d)
        {
            body["durationSeconds"] = (int)Math.Ceiling(d.TotalSeconds);
        }

        using var response = await _http.PostAsJsonAsync("/_localaws/faults", body, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    public async Task ClearFaultsAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri("/_localaws/faults", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary><c>GET /_localaws/stats</c> (null when LocalAws does not offer it).</summary>
    public async Task<LocalAwsStats?> StatsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetFromJsonAsync<LocalAwsStats>("/_localaws/stats", s_json, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="phase"/> between two reads of <see cref="StatsAsync"/>: what LocalAws counted during it.</summary>
    public async Task<(T Result, LocalAwsStatsSpan Stats)> DuringAsync<T>(Func<Task<T>> phase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var before = await StatsAsync(cancellationToken).ConfigureAwait(false);
        var result = await phase().ConfigureAwait(false);
        var after = await StatsAsync(cancellationToken).ConfigureAwait(false);
        return (result, new LocalAwsStatsSpan(before, after));
    }

    public void Dispose() => _http.Dispose();

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private sealed record MintRequest(
        [property: JsonPropertyName("sub")] string Sub,
        [property: JsonPropertyName("audience")] string Audience,
        [property: JsonPropertyName("expiresInSeconds")] int ExpiresInSeconds,
        [property: JsonPropertyName("claims")] IReadOnlyDictionary<string, string>? Claims);

    private sealed record MintResponse([property: JsonPropertyName("access_token")] string? AccessToken);
}
