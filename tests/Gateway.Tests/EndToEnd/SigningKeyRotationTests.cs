using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The identity provider (LocalAws's dev issuer) rotates its signing key and withdraws the old one from its JWKS: a token
/// signed with the withdrawn key — already validated and cached by the gateway — is refused within
/// <c>Authentication:SigningKeyRefreshInterval</c>, while tokens signed with the new key are accepted.
/// </summary>
public sealed class SigningKeyRotationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);
    private GatewayTopology? _topology;
    private HttpClient Client { get; set; } = null!;

    private LocalAwsHost Aws => _topology!.Aws;

    public async Task InitializeAsync()
    {
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            GatewayEnvironment = new Dictionary<string, string?> { ["Authentication__SigningKeyRefreshInterval"] = "00:00:02" },
        });
        Client = _topology.CreateGatewayClient();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }

    [Fact]
    public async Task KeyWithdrawn_CachedTokenSignedWithIt_RefusedWithinTheRefreshInterval()
    {
        var old = await Aws.MintTokenAsync("alice");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(old));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(old)); // now served from the validated-token cache

        await Aws.RotateSigningKeyAsync(keepPrevious: false);
        var withdrawnAt = Stopwatch.StartNew();
        var status = HttpStatusCode.OK;
        while (status == HttpStatusCode.OK && withdrawnAt.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
            status = await StatusAsync(old);
        }

        output.WriteLine($"old token refused {withdrawnAt.Elapsed.TotalSeconds:F2} s after the key was withdrawn (refresh interval {RefreshInterval.TotalSeconds} s)");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.True(withdrawnAt.Elapsed < RefreshInterval * 2 + TimeSpan.FromSeconds(2), $"refused only after {withdrawnAt.Elapsed}");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(old)); // and stays refused

        // The twin: a token signed with the new key is accepted.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(await Aws.MintTokenAsync("alice")));
    }

    [Fact]
    public async Task KeyRotatedButStillListed_TokenSignedWithIt_StillAccepted()
    {
        var old = await Aws.MintTokenAsync("alice");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(old));

        await Aws.RotateSigningKeyAsync(keepPrevious: true);
        await Task.Delay(RefreshInterval * 2 + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(old));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(await Aws.MintTokenAsync("alice")));
    }

    private async Task<HttpStatusCode> StatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        using var response = await Client.SendAsync(request);
        return response.StatusCode;
    }
}
