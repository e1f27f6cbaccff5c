using Gateway.Testing;
using Gateway.Auditing;
using Gateway.Configuration;
using Gateway.Diagnostics;
using Gateway.Forwarding;
using Gateway.Routing;
using Gateway.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Tests.Forwarding;

/// <summary>The route rules (<see cref="TenantRouteRules"/>) as YARP applies them at config load, through the transform provider.</summary>
public sealed class TenantTransformProviderTests : IDisposable
{
    private readonly TestMeterFactory _meters = new();

    public void Dispose() => _meters.Dispose();

    private List<Exception> Validate(RouteConfig route)
    {
        var envelopes = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), TestOptions.Wrap(TestOptions.Envelopes()), new FakeTimeProvider());
        var provider = new TenantTransformProvider(
            new Lazy<IEnvelopeService>(envelopes), TestOptions.Wrap(new ForwardingOptions()), new AuditLogger(NullLoggerFactory.Instance, TestOptions.Wrap(new AuditOptions())), new GatewayMetrics(_meters));
        var context = new TransformRouteValidationContext { Route = route, Services = null! };
        provider.ValidateRoute(context);
        return [.. context.Errors];
    }

    private static RouteConfig Route(string? policy, string? isolated, string cluster = "applications", string id = "r1") => new()
    {
        RouteId = id,
        ClusterId = cluster,
        AuthorizationPolicy = policy,
        Match = new RouteMatch { Path = "/api/{**rest}" },
        Metadata = isolated is null ? null : new Dictionary<string, string> { [TenantRouteMetadata.Isolated] = isolated },
    };

    [Fact]
    public void ValidateRoute_IsolatedWithPolicyAndKey_NoErrors() => Assert.Empty(Validate(Route("tenant", "true", id: "ok")));

    [Fact]
    public void ValidateRoute_NoPolicy_Rejected()
        => Assert.Contains(Validate(Route(null, null, id: "open")), e => e.Message.StartsWith("ReverseProxy:Routes:open:AuthorizationPolicy is required", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_IsolatedAnonymous_Rejected()
        => Assert.Contains(Validate(Route("anonymous", "true", id: "a")), e => e.Message.Contains("ReverseProxy:Routes:a:AuthorizationPolicy must not be 'anonymous'", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_IsolatedClusterWithoutKey_Rejected()
        => Assert.Contains(Validate(Route("tenant", "true", "other", id: "a")), e => e.Message.Contains("ReverseProxy:Routes:a is tenant-isolated but its cluster 'other' has no envelope key", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_NotIsolatedClusterWithoutKey_NoErrors() => Assert.Empty(Validate(Route("tenant", null, "other")));

    [Theory]
    [InlineData("X-Internal-Debug", false)]
    [InlineData("x_internal_debug", false)]
    [InlineData("X-Legacy-Session", false)]
    [InlineData("X-Original-URL", false)] // built in
    [InlineData("X-Correlation-Id", true)] // the twin: an ordinary header is forwarded
    public async Task Apply_ConfiguredStripHeaders_RemovedFromTheProxyRequest(string header, bool forwarded)
    {
        var forwarding = new ForwardingOptions { StripHeaders = ["X-Internal-Debug", "x_legacy_*"] };
        var envelopes = new EnvelopeService(TestOptions.Wrap(forwarding), TestOptions.Wrap(TestOptions.Envelopes()), new FakeTimeProvider());
        var provider = new TenantTransformProvider(
            new Lazy<IEnvelopeService>(envelopes), TestOptions.Wrap(forwarding), new AuditLogger(NullLoggerFactory.Instance, TestOptions.Wrap(new AuditOptions())), new GatewayMetrics(_meters));
        var builder = new TransformBuilderContext { Route = Route("tenant", null), Services = null! };
        provider.Apply(builder);
        var transform = Assert.Single(builder.RequestTransforms.OfType<TenantRequestTransform>());

        var http = new DefaultHttpContext();
        http.Request.Headers[header] = "v";
        using var proxyRequest = new HttpRequestMessage(HttpMethod.Get, "http://backend/");
        proxyRequest.Headers.TryAddWithoutValidation(header, "v"); // as YARP's header copy left it
        await transform.ApplyAsync(new RequestTransformContext { HttpContext = http, ProxyRequest = proxyRequest, HeadersCopied = true, Path = "/" });

        Assert.Equal(forwarded, proxyRequest.Headers.Contains(header));
    }

    [Fact]
    public void ValidateRoute_MetadataNotBoolean_Rejected() => Assert.Contains(Validate(Route("tenant", "yes")), e => e.Message.Contains("true or false", StringComparison.Ordinal));
}
