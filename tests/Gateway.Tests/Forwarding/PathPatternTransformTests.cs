using Gateway.Forwarding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Tests.Forwarding;

/// <summary>The cached-binder PathPattern transform against YARP's own, on the same route values.</summary>
public sealed class PathPatternTransformTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly TemplateBinderFactory _binders;

    public PathPatternTransformTests()
    {
        var services = new ServiceCollection();
        services.AddOptions();
        services.AddRouting();
        _services = services.BuildServiceProvider();
        _binders = _services.GetRequiredService<TemplateBinderFactory>();
    }

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData("/{**rest}", "applications")]
    [InlineData("/{**rest}", "applications/app-1")]
    [InlineData("/{**rest}", "a b/ü/%2F/..")]
    [InlineData("/{**rest}", "")]
    [InlineData("/{**rest}", null)]
    [InlineData("/v1/{**rest}", "x?y#z")]
    [InlineData("/{organizationId}/{**rest}", "whoami")]
    public async Task ApplyAsync_SamePathAsYarps(string pattern, string? rest)
    {
        var values = new RouteValueDictionary { ["organizationId"] = "acme", ["extra"] = "not-a-query" };
        if (rest is not null)
        {
            values["rest"] = rest;
        }

        var ours = await ApplyAsync(new PathPatternTransform(pattern, _binders), values);
        var yarps = await ApplyAsync(new PathRouteValuesTransform(pattern, _binders), values);

        Assert.Equal(yarps, ours);
    }

    [Fact]
    public async Task ApplyAsync_RouteValuesOfTheRequest_NotModified()
    {
        var values = new RouteValueDictionary { ["rest"] = "a/b" };

        var path = await ApplyAsync(new PathPatternTransform("/{**rest}", _binders), values);

        Assert.Equal("/a/b", path);
        Assert.Equal(["rest"], values.Keys);
    }

    private static async Task<string?> ApplyAsync(RequestTransform transform, RouteValueDictionary values)
    {
        var http = new DefaultHttpContext();
        http.Request.RouteValues = new RouteValueDictionary(values);
        var context = new RequestTransformContext { HttpContext = http, Path = "/original", ProxyRequest = new HttpRequestMessage() };
        await transform.ApplyAsync(context);
        foreach (var (key, value) in values)
        {
            Assert.Equal(value, http.Request.RouteValues[key]);
        }

        return context.Path.Value;
    }
}
