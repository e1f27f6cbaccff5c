using System.Net;
using Gateway.Backend.Context;
using Gateway.Envelopes;
using Gateway.Backend.Tests.Context;
using Gateway.Envelopes.Tests;
using Microsoft.AspNetCore.Builder;

namespace Gateway.Backend.Tests.Hosting;

/// <summary>AddTenantContext as a backend uses it: options bound from configuration reach the envelope reader.</summary>
public sealed class TenantContextServiceCollectionExtensionsTests
{
    private static readonly EnvelopeKey Current = EnvelopeTestData.KeyOf("2026-03", 3);
    private static readonly EnvelopeKey Previous = EnvelopeTestData.KeyOf("2026-02", 2);
    private static readonly EnvelopeKey Unconfigured = EnvelopeTestData.KeyOf("2026-04", 4);

    [Fact]
    public async Task AddTenantContext_CurrentAndPreviousKeyConfigured_BothAcceptedUnconfiguredRefused()
    {
        var configuration = Configuration(Current, Previous);
        await using var host = await TenantContextTestHost.StartAsync(Map, configuration, environment: "Production");

        var current = await SendAsync(host, Seal(host, Current));
        var previous = await SendAsync(host, Seal(host, Previous));
        var unconfigured = await SendAsync(host, Seal(host, Unconfigured));

        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.Equal(HttpStatusCode.OK, previous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unconfigured.StatusCode);
        Assert.Contains("tenant_context_invalid", await unconfigured.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddTenantContext_PreviousKeyRemovedFromConfiguration_Refused()
    {
        await using var host = await TenantContextTestHost.StartAsync(Map, Configuration(Current), environment: "Production");

        var previous = await SendAsync(host, Seal(host, Previous));
        var current = await SendAsync(host, Seal(host, Current));

        Assert.Equal(HttpStatusCode.Unauthorized, previous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
    }

    [Fact]
    public async Task AddTenantContext_MaxEnvelopeLifetimeConfigured_LongerEnvelopeRefused()
    {
        var shortCap = Configuration(Current);
        shortCap["TenantContext:MaxEnvelopeLifetime"] = "00:01:00";
        await using var capped = await TenantContextTestHost.StartAsync(Map, shortCap, environment: "Production");
        await using var defaults = await TenantContextTestHost.StartAsync(Map, Configuration(Current), environment: "Production");

        var refused = await SendAsync(capped, Seal(capped, Current, TimeSpan.FromMinutes(5)));
        var withinCap = await SendAsync(capped, Seal(capped, Current, TimeSpan.FromMinutes(1)));
        var underDefault = await SendAsync(defaults, Seal(defaults, Current, TimeSpan.FromMinutes(5)));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withinCap.StatusCode);
        Assert.Equal(HttpStatusCode.OK, underDefault.StatusCode);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task AddTenantContext_PublishedDevelopmentKeyOutsideDevelopment_StartFailsNamingTheKey(string environment)
    {
        var exception = await Assert.ThrowsAnyAsync<Exception>(
            () => TenantContextTestHost.StartAsync(Map, TenantContextTestHost.DefaultConfiguration(), environment));

        Assert.Contains("TenantContext:Keys:0:Key is a published development key", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(EnvelopeTestData.LocalKeyBase64, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Local")]
    public async Task AddTenantContext_PublishedDevelopmentKeyInDevelopmentOrLocal_Starts(string environment)
    {
        await using var host = await TenantContextTestHost.StartAsync(Map, TenantContextTestHost.DefaultConfiguration(), environment);

        var response = await SendAsync(host, Seal(host, EnvelopeTestData.LocalKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static void Map(WebApplication app) => app.MapGet("/whoami", (ITenantContext tenant) => tenant.UserId);

    private static Dictionary<string, string?> Configuration(params EnvelopeKey[] keys)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["TenantContext:Audience"] = EnvelopeTestData.Audience,
            ["TenantContext:DynamoDb:ServiceUrl"] = "http://127.0.0.1:9",
        };
        for (var i = 0; i < keys.Length; i++)
        {
            configuration[$"TenantContext:Keys:{i}:KeyId"] = keys[i].KeyId;
            configuration[$"TenantContext:Keys:{i}:Key"] = Convert.ToBase64String(keys[i].Key.Span);
        }

        return configuration;
    }

    private static string Seal(TenantContextTestHost host, EnvelopeKey key, TimeSpan? lifetime = null) =>
        new TenantEnvelopeWriter(key, EnvelopeTestData.Issuer, host.Clock)
            .Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, lifetime ?? TimeSpan.FromMinutes(5));

    private static async Task<HttpResponseMessage> SendAsync(TenantContextTestHost host, string envelope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Add("X-Tenant-Context", envelope);
        return await host.Client.SendAsync(request);
    }
}
