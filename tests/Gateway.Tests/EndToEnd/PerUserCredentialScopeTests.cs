using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Gateway.Testing;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// <c>TenantIsolation:CredentialScope = User</c> over real processes: every (organization, permission set, user) gets
/// its own STS session, and each session still carries the permission set of that user's role.
/// </summary>
public sealed class PerUserCredentialScopeTests : IAsyncLifetime
{
    private LocalAwsHost _aws = null!;
    private ProcessHost _backend = null!;
    private ProcessHost _gateway = null!;
    private HttpClient Client { get; set; } = null!;

    public async Task InitializeAsync()
    {
        var timeout = TimeSpan.FromSeconds(90);
        _aws = await LocalAwsHost.StartAsync();
        var localAws = $"http://127.0.0.1:{_aws.Port}";

        var backendPort = FreePort.Next();
        _backend = await ProcessHost.StartDotnetAsync(
            Built.Dll("samples/Applications.Api", "Applications.Api"),
            ["--urls", $"http://127.0.0.1:{backendPort}"],
            new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Local", ["TenantContext__DynamoDb__ServiceUrl"] = localAws },
            RepoPaths.Root, null, new Uri($"http://127.0.0.1:{backendPort}/healthz"), timeout);

        var gatewayPort = FreePort.Next();
        _gateway = await ProcessHost.StartDotnetAsync(
            Built.Dll("src/Gateway", "Gateway"),
            ["--urls", $"http://127.0.0.1:{gatewayPort}"],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Local",
                ["Authentication__Authority"] = localAws,
                ["TenantIsolation__Aws__StsServiceUrl"] = localAws,
                ["TenantIsolation__Aws__DynamoDbServiceUrl"] = localAws,
                ["ReverseProxy__Clusters__applications__Destinations__d1__Address"] = $"http://127.0.0.1:{backendPort}/",
                ["TenantIsolation__CredentialScope"] = "User",
            },
            RepoPaths.Root, null, new Uri($"http://127.0.0.1:{gatewayPort}/readyz"), timeout);
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
    }

    [Fact]
    public async Task UserScope_OneSessionPerUser_EachWithItsRolesPermissions()
    {
        var before = (await _aws.GetStatsAsync()).AssumeRoleSucceeded;

        // alice (ADMINISTRATOR) and erin (MEMBER) of acme: same permission set, but separate sessions per user.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "alice")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "erin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "alice")).StatusCode);
        Assert.Equal(2, (await _aws.GetStatsAsync()).AssumeRoleSucceeded - before);

        // carol (VIEWER) gets her own read-only session: IAM refuses her write while alice's write succeeds.
        var carolWrite = await SendAsync(HttpMethod.Post, "carol", "{\"name\":\"carol-was-here\"}");
        Assert.Equal(HttpStatusCode.Forbidden, carolWrite.StatusCode);
        Assert.Contains("tenant_access_denied", await carolWrite.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "alice", "{\"name\":\"alice-was-here\"}")).StatusCode);
        Assert.Equal(3, (await _aws.GetStatsAsync()).AssumeRoleSucceeded - before);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string user, string? json = null)
    {
        using var request = new HttpRequestMessage(method, "/api/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _aws.MintTokenAsync(user));
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await Client.SendAsync(request);
    }
}
