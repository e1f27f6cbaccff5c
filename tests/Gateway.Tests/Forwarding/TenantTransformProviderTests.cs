using Gateway.Forwarding;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Tests.Forwarding;

public sealed class TenantTransformProviderTests
{
    private static List<Exception> Validate(RouteConfig route)
    {
        var options = TestOptions.Wrap(TestOptions.Valid());
        var provider = new TenantTransformProvider(new EnvelopeService(options, new FakeTimeProvider()), options);
        var context = new TransformRouteValidationContext { Route = route, Services = null! };
        provider.ValidateRoute(context);
        return [.. context.Errors];
    }

    private static RouteConfig Route(string? policy, string? isolated, string cluster = "applications") => new()
    {
        RouteId = "r1",
        ClusterId = cluster,
        AuthorizationPolicy = policy,
        Match = new RouteMatch { Path = "/api/{**rest}" },
        Metadata = isolated is null ? null : new Dictionary<string, string> { [TenantRouteMetadata.Isolated] = isolated },
    };

    [Fact]
    public void ValidateRoute_IsolatedWithPolicyAndKey_NoErrors() => Assert.Empty(Validate(Route("tenant", "true")));

    [Fact]
    public void ValidateRoute_NoPolicy_Rejected() => Assert.Contains(Validate(Route(null, null)), e => e.Message.Contains("no AuthorizationPolicy", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_IsolatedAnonymous_Rejected() => Assert.Contains(Validate(Route("anonymous", "true")), e => e.Message.Contains("must not be anonymous", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_IsolatedClusterWithoutKey_Rejected() => Assert.Contains(Validate(Route("tenant", "true", "billing")), e => e.Message.Contains("'billing'", StringComparison.Ordinal));

    [Fact]
    public void ValidateRoute_MetadataNotBoolean_Rejected() => Assert.Contains(Validate(Route("tenant", "yes")), e => e.Message.Contains("true or false", StringComparison.Ordinal));
}
