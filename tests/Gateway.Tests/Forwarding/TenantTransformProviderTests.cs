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
        var envelopes = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), TestOptions.Monitor(TestOptions.Envelopes()), new FakeTimeProvider());
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

    private static RouteConfig LegacyRoute(string? isolated, string legacy) => Route("tenant", isolated, id: "mig") with
    {
        Metadata = isolated is null
            ? new Dictionary<string, string> { [TenantRouteMetadata.LegacyCluster] = legacy }
            : new Dictionary<string, string> { [TenantRouteMetadata.Isolated] = isolated, [TenantRouteMetadata.LegacyCluster] = legacy },
    };

    private static List<Exception> ValidateWithClusters(RouteConfig route, params string[] clusters)
    {
        var errors = new List<Exception>();
        Gateway.Routing.TenantRouteRules.Validate(route, c => clusters.Contains(c, StringComparer.OrdinalIgnoreCase), c => c == "applications", errors);
        return errors;
    }

    [Fact]
    public void ValidateRoute_LegacyClusterDefinedAndDistinct_NoErrors()
        => Assert.Empty(ValidateWithClusters(LegacyRoute("true", "legacy"), "applications", "legacy"));

    [Fact]
    public void ValidateRoute_LegacyClusterNotDefined_Rejected()
        => Assert.Contains(ValidateWithClusters(LegacyRoute("true", "legacy"), "applications"), e => e.Message.Contains("TenantIsolation.LegacyCluster 'legacy' is not defined", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_LegacyClusterIsTheIsolatedCluster_Rejected()
        => Assert.Contains(Validate(LegacyRoute("true", "applications")), e => e.Message.Contains("must differ from the route's ClusterId", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_LegacyClusterOnRouteNotIsolated_Rejected()
        => Assert.Contains(Validate(LegacyRoute(null, "legacy")), e => e.Message.Contains("only allowed on a tenant-isolated route", StringComparison.Ordinal));

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
        var envelopes = new EnvelopeService(TestOptions.Wrap(forwarding), TestOptions.Monitor(TestOptions.Envelopes()), new FakeTimeProvider());
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

    [Theory]
    [InlineData(true)]
    [InlineData(null)]
    public async Task Apply_BackendSendsCredentialsRejectedAsATrailer_RemovedFromTheClientsTrailers_OtherTrailersKept(bool? isolated)
    {
        // HTTP/2 and HTTP/3 clients get the backend's trailers (YARP copies them after the body): the header between the
        // backend and the gateway must not reach the client there either, on any route. The twin: another trailer is kept.
        var envelopes = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), TestOptions.Monitor(TestOptions.Envelopes()), new FakeTimeProvider());
        var provider = new TenantTransformProvider(
            new Lazy<IEnvelopeService>(envelopes), TestOptions.Wrap(new ForwardingOptions()), new AuditLogger(NullLoggerFactory.Instance, TestOptions.Wrap(new AuditOptions())), new GatewayMetrics(_meters));
        var builder = new TransformBuilderContext { Route = Route("tenant", isolated?.ToString()), Services = null! };
        provider.Apply(builder);
        var trailers = new HeaderDictionary { [TenantResponseTransform.CredentialsRejectedHeader] = "1", ["grpc-status"] = "0" };
        var http = new DefaultHttpContext();
        http.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature>(new TrailersFeature(trailers));
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        response.TrailingHeaders.TryAddWithoutValidation(TenantResponseTransform.CredentialsRejectedHeader, "1");
        response.TrailingHeaders.TryAddWithoutValidation("grpc-status", "0");

        foreach (var transform in builder.ResponseTrailersTransforms)
        {
            await transform.ApplyAsync(new ResponseTrailersTransformContext { HttpContext = http, ProxyResponse = response, HeadersCopied = true });
        }

        Assert.False(trailers.ContainsKey(TenantResponseTransform.CredentialsRejectedHeader));
        Assert.Equal("0", trailers["grpc-status"]);
    }

    private sealed class TrailersFeature(IHeaderDictionary trailers) : Microsoft.AspNetCore.Http.Features.IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = trailers;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Apply_RouteWithOnePathPattern_YarpsTransformReplacedByTheCachedBinderOne(bool withPattern)
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions.AddOptions(services);
        Microsoft.Extensions.DependencyInjection.RoutingServiceCollectionExtensions.AddRouting(services);
        using var provided = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var binders = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.AspNetCore.Routing.Template.TemplateBinderFactory>(provided);
        var envelopes = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), TestOptions.Monitor(TestOptions.Envelopes()), new FakeTimeProvider());
        var provider = new TenantTransformProvider(
            new Lazy<IEnvelopeService>(envelopes), TestOptions.Wrap(new ForwardingOptions()), new AuditLogger(NullLoggerFactory.Instance, TestOptions.Wrap(new AuditOptions())), new GatewayMetrics(_meters));
        var route = Route("tenant", "true") with
        {
            Transforms = withPattern ? [new Dictionary<string, string> { ["PathPattern"] = "/{**rest}" }] : null,
        };
        var builder = new TransformBuilderContext { Route = route, Services = provided };
        if (withPattern)
        {
            builder.RequestTransforms.Add(new PathRouteValuesTransform("/{**rest}", binders)); // as YARP's factory added it
        }

        provider.Apply(builder);

        Assert.Empty(builder.RequestTransforms.OfType<PathRouteValuesTransform>());
        Assert.Equal(withPattern ? 1 : 0, builder.RequestTransforms.OfType<PathPatternTransform>().Count());
        Assert.Single(builder.RequestTransforms.OfType<TenantRequestTransform>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Apply_IsolatedRoute_ForwardsOnlyWithATenantDecision(bool decided)
    {
        // The transform's own fail-closed guard: an isolated request that reached it without a tenant decision (a
        // reordered pipeline, an early next()) is answered 500 (YARP then skips forwarding) and carries no envelope.
        var envelopes = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), TestOptions.Monitor(TestOptions.Envelopes()), new FakeTimeProvider());
        var provider = new TenantTransformProvider(
            new Lazy<IEnvelopeService>(envelopes), TestOptions.Wrap(new ForwardingOptions()), new AuditLogger(NullLoggerFactory.Instance, TestOptions.Wrap(new AuditOptions())), new GatewayMetrics(_meters));
        var builder = new TransformBuilderContext { Route = Route("tenant", "true"), Services = null! };
        provider.Apply(builder);
        var transform = Assert.Single(builder.RequestTransforms.OfType<TenantRequestTransform>());
        var http = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        if (decided)
        {
            http.Features.Set<ITenantFeature>(new DecidedTenant());
        }

        using var proxyRequest = new HttpRequestMessage(HttpMethod.Get, "http://backend/");
        await transform.ApplyAsync(new RequestTransformContext { HttpContext = http, ProxyRequest = proxyRequest, HeadersCopied = true, Path = "/" });

        Assert.Equal(decided ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError, http.Response.StatusCode);
        Assert.Equal(decided, proxyRequest.Headers.TryGetValues("X-Tenant-Context", out var values) && values.Single() == DecidedTenant.SealedEnvelope);
    }

    [Fact]
    public async Task Apply_LegacyDecision_ForgedInboundIdentityHeadersReplacedByTheDecidedOnes_NoEnvelope()
    {
        var envelopes = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), TestOptions.Monitor(TestOptions.Envelopes()), new FakeTimeProvider());
        var provider = new TenantTransformProvider(
            new Lazy<IEnvelopeService>(envelopes), TestOptions.Wrap(new ForwardingOptions()), new AuditLogger(NullLoggerFactory.Instance, TestOptions.Wrap(new AuditOptions())), new GatewayMetrics(_meters));
        var builder = new TransformBuilderContext { Route = LegacyRoute("true", "legacy"), Services = null! };
        provider.Apply(builder);
        var transform = Assert.Single(builder.RequestTransforms.OfType<TenantRequestTransform>());
        var http = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
        http.Features.Set(new LegacyTenantFeature(Gateway.Policies.OrganizationId.Parse("acme"), "alice", "MEMBER"));
        using var proxyRequest = new HttpRequestMessage(HttpMethod.Get, "http://legacy/");
        foreach (var (header, forged) in new[] { (LegacyTenantFeature.OrganizationHeader, "globex"), (LegacyTenantFeature.UserHeader, "mallory"), (LegacyTenantFeature.RoleHeader, "ADMINISTRATOR") })
        {
            http.Request.Headers[header] = forged;
            proxyRequest.Headers.TryAddWithoutValidation(header, forged); // as YARP's header copy left it
        }

        await transform.ApplyAsync(new RequestTransformContext { HttpContext = http, ProxyRequest = proxyRequest, HeadersCopied = true, Path = "/" });

        Assert.Equal(StatusCodes.Status200OK, http.Response.StatusCode);
        Assert.Equal("acme", Assert.Single(proxyRequest.Headers.GetValues(LegacyTenantFeature.OrganizationHeader)));
        Assert.Equal("alice", Assert.Single(proxyRequest.Headers.GetValues(LegacyTenantFeature.UserHeader)));
        Assert.Equal("MEMBER", Assert.Single(proxyRequest.Headers.GetValues(LegacyTenantFeature.RoleHeader)));
        Assert.False(proxyRequest.Headers.Contains("X-Tenant-Context"));
    }

    private sealed class DecidedTenant : ITenantFeature
    {
        public const string SealedEnvelope = "eyJhbGciOiJkaXIifQ..sealed";

        public Gateway.Policies.OrganizationId OrganizationId => Gateway.Policies.OrganizationId.Parse("acme");

        public string UserId => "alice";

        public string Role => "ADMINISTRATOR";

        public string PermissionSet => "read-write";

        public Gateway.Isolation.Credentials.ScopedCredentials Credentials { get; } = new("ASIAEXAMPLE00000001", "secret", "token", DateTimeOffset.UnixEpoch.AddYears(60), "acme");

        public Gateway.Isolation.Evaluation.TenantIsolationDecision Decision => Gateway.Isolation.Evaluation.TenantIsolationDecision.Allow(OrganizationId, UserId, Role, PermissionSet, Credentials);

        public string Envelope => SealedEnvelope;
    }

    [Fact]
    public void ValidateRoute_MetadataNotBoolean_Rejected() => Assert.Contains(Validate(Route("tenant", "yes")), e => e.Message.Contains("true or false", StringComparison.Ordinal));
}
