using LoadTests.Scenarios;
using LoadTests.Topology;

namespace LoadTests.Tests.Topology;

public sealed class BaselineProxyTests
{
    [Fact]
    public async Task StartProxyAsync_ForwardsToTheDestinationAndServesItsCounters()
    {
        await using var backend = await TestServer.StartAsync();
        await using var proxy = await BaselineProxy.StartProxyAsync(backend.Url, http2: false, CancellationToken.None);
        using var client = ScenarioEnvironment.CreateHttpClient(4);

        var ok = await HttpSteps.SendAsync(client, HttpSteps.Get(proxy.Url, "/ok"), CancellationToken.None);
        var denied = await HttpSteps.SendAsync(client, HttpSteps.Get(proxy.Url, "/problem/403/not_a_member"), CancellationToken.None);
        var counters = await ProcessCounters.ReadAsync(client, proxy.MetricsUrl, CancellationToken.None);

        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("ok", ok.Body);
        Assert.Equal(403, denied.StatusCode);
        Assert.Equal("not_a_member", denied.Code);
        Assert.Equal(2, backend.Requests);
        Assert.Equal("127.0.0.1", proxy.Url.Host);
        Assert.NotNull(counters);
        Assert.True(counters.AllocatedBytes > 0);
        Assert.True(counters.CpuSeconds > 0);
    }

    [Fact]
    public async Task StartTrivialBackendAsync_AnswersOkOnEveryPath()
    {
        await using var backend = await BaselineProxy.StartTrivialBackendAsync(CancellationToken.None);
        using var client = ScenarioEnvironment.CreateHttpClient(4);

        var healthz = await HttpSteps.SendAsync(client, HttpSteps.Get(backend.Url, "/healthz"), CancellationToken.None);
        var other = await HttpSteps.SendAsync(client, HttpSteps.Get(backend.Url, "/whoami"), CancellationToken.None);

        Assert.Equal((200, "ok"), (healthz.StatusCode, healthz.Body));
        Assert.Equal((200, "ok"), (other.StatusCode, other.Body));
    }

    [Fact]
    public async Task StartTrivialBackendAsync_ServesItsCountersAndTheLastTenantContextLength()
    {
        await using var backend = await BaselineProxy.StartTrivialBackendAsync(CancellationToken.None);
        using var client = ScenarioEnvironment.CreateHttpClient(4);

        var before = await ProcessCounters.ReadValueAsync(client, backend.MetricsUrl, ProcessCounters.TenantContextHeaderBytes, CancellationToken.None);
        var request = HttpSteps.Get(backend.Url, "/healthz");
        request.Headers.TryAddWithoutValidation("X-Tenant-Context", new string('a', 1_234));
        var ok = await HttpSteps.SendAsync(client, request, CancellationToken.None);
        var after = await ProcessCounters.ReadValueAsync(client, backend.MetricsUrl, ProcessCounters.TenantContextHeaderBytes, CancellationToken.None);
        var counters = await ProcessCounters.ReadAsync(client, backend.MetricsUrl, CancellationToken.None);

        Assert.Equal((200, "ok"), (ok.StatusCode, ok.Body));
        Assert.Equal(0, before);
        Assert.Equal(1_234, after);
        Assert.NotNull(counters);
        Assert.True(counters.AllocatedBytes > 0);
    }

    [Fact]
    public async Task StartProxyAsync_WithConstantHeaderBytes_AddsOneHeaderOfThatLength()
    {
        await using var backend = await BaselineProxy.StartTrivialBackendAsync(CancellationToken.None);
        await using var plain = await BaselineProxy.StartProxyAsync(backend.Url, http2: false, CancellationToken.None);
        await using var withHeader = await BaselineProxy.StartProxyAsync(backend.Url, http2: false, CancellationToken.None, constantHeaderBytes: 1_100);
        using var client = ScenarioEnvironment.CreateHttpClient(4);

        var viaPlain = await HttpSteps.SendAsync(client, HttpSteps.Get(plain.Url, "/healthz"), CancellationToken.None);
        var seenViaPlain = await ProcessCounters.ReadValueAsync(client, backend.MetricsUrl, ProcessCounters.TenantContextHeaderBytes, CancellationToken.None);
        var viaHeader = await HttpSteps.SendAsync(client, HttpSteps.Get(withHeader.Url, "/healthz"), CancellationToken.None);
        var seenViaHeader = await ProcessCounters.ReadValueAsync(client, backend.MetricsUrl, ProcessCounters.TenantContextHeaderBytes, CancellationToken.None);

        Assert.Equal((200, "ok"), (viaPlain.StatusCode, viaPlain.Body));
        Assert.Equal(0, seenViaPlain);
        Assert.Equal((200, "ok"), (viaHeader.StatusCode, viaHeader.Body));
        Assert.Equal(1_100, seenViaHeader);
    }
}
