using System.Security.Claims;
using System.Text.Json;
using Gateway.Auditing;
using Gateway.Authentication;
using Gateway.Configuration;
using Gateway.Credentials;
using Gateway.Diagnostics;
using Gateway.Forwarding;
using Gateway.Policies;
using Gateway.Tenancy;
using Gateway.Tests.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Tests.Tenancy;

/// <summary>The isolation middleware's membership branches; every deny has its allow twin (same request, right answer → forwarded).</summary>
public sealed class TenantIsolationMiddlewareTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly TestMeterFactory _meters = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly StubStore _store = new();
    private readonly MembershipService _membership;
    private readonly CredentialCache _credentials;
    private readonly TenantIsolationMiddleware _middleware;
    private bool _forwarded;

    public TenantIsolationMiddlewareTests()
    {
        var options = TestOptions.Wrap(TestOptions.Valid());
        var metrics = new GatewayMetrics(_meters);
        _membership = new MembershipService(_store, options, _time, metrics);
        _credentials = new CredentialCache(new FakeCredentialIssuer(_time), options, _time, metrics, NullLogger<CredentialCache>.Instance);
        _middleware = new TenantIsolationMiddleware(
            _ => { _forwarded = true; return Task.CompletedTask; },
            new OrganizationResolver(TestOptions.Wrap(new GatewayAuthenticationOptions())),
            _membership,
            _credentials,
            new PermissionSetCatalog(options.Value),
            new AuditLogger(_logs, TestOptions.Wrap(new AuditOptions())),
            metrics,
            TestOptions.Wrap(new GatewayAuthenticationOptions()),
            options);
    }

    private static DefaultHttpContext Request(string? sub = "alice", string organization = "acme")
    {
        var context = new DefaultHttpContext { TraceIdentifier = "r1" };
        context.Response.Body = new MemoryStream();
        context.Request.Path = "/api/applications";
        context.Request.Headers["X-Organization-Id"] = organization;
        context.User = sub is null
            ? new ClaimsPrincipal(new ClaimsIdentity([new Claim("name", "alice")], "test"))
            : new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", sub)], "test"));
        var route = new RouteConfig { RouteId = "api", ClusterId = "applications", Metadata = new Dictionary<string, string> { [TenantRouteMetadata.Isolated] = "true" } };
        context.Features.Set<IReverseProxyFeature>(new ProxyFeature(new RouteModel(route, null, HttpTransformer.Empty)));
        return context;
    }

    private async Task<(int Status, string? Code)> InvokeAsync(HttpContext context)
    {
        await _middleware.InvokeAsync(context);
        var body = ((MemoryStream)context.Response.Body).ToArray();
        if (body.Length == 0)
        {
            return (context.Response.StatusCode, null);
        }

        using var json = JsonDocument.Parse(body);
        return (context.Response.StatusCode, json.RootElement.GetProperty("code").GetString());
    }

    private string AuditLine => Assert.Single(_logs.Entries).Message;

    [Fact]
    public async Task InvokeAsync_Member_ForwardedWithTenantDecision()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        var context = Request();

        var (status, code) = await InvokeAsync(context);

        Assert.True(_forwarded);
        Assert.Equal(200, status);
        Assert.Null(code);
        var tenant = context.Features.Get<TenantForwardingFeature>();
        Assert.NotNull(tenant);
        Assert.Equal("acme", tenant.OrganizationId.Value);
        Assert.Equal("read-write", tenant.PermissionSet);
    }

    [Fact]
    public async Task InvokeAsync_UnknownOrganization_403UnknownOrganizationNotForwarded()
    {
        _store.Answer = Membership.UnknownOrganization;

        var (status, code) = await InvokeAsync(Request());

        Assert.False(_forwarded);
        Assert.Equal((403, "unknown_organization"), (status, code));
        Assert.Contains("code=\"unknown_organization\"", AuditLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RoleNotMapped_403NotAMemberAuditedAsRoleNotMapped()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "AUDITOR");

        var (status, code) = await InvokeAsync(Request());

        Assert.False(_forwarded);
        Assert.Equal((403, "not_a_member"), (status, code));
        Assert.Contains("reason=\"role_not_mapped\"", AuditLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_MappedRoleTwin_Forwarded()
    {
        _store.Answer = new Membership(MembershipStatus.Member, "VIEWER");

        await InvokeAsync(Request());

        Assert.True(_forwarded);
        Assert.Contains("decision=allow", AuditLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("alice\r\naudit decision=allow")]
    public async Task InvokeAsync_NoValidUserId_401UnauthenticatedAuditedAsNoUserId(string? sub)
    {
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");

        var (status, code) = await InvokeAsync(Request(sub));

        Assert.False(_forwarded);
        Assert.Equal((401, "unauthenticated"), (status, code));
        Assert.Contains("reason=\"no_user_id\"", AuditLine, StringComparison.Ordinal);
        Assert.Equal(0, _store.Calls);
    }

    [Fact]
    public async Task InvokeAsync_MembershipStoreUnavailable_503WithRetryAfterThenTwinForwarded()
    {
        _store.Fail = true;
        var context = Request();

        var (status, code) = await InvokeAsync(context);

        Assert.False(_forwarded);
        Assert.Equal((503, "membership_unavailable"), (status, code));
        Assert.Equal("2", context.Response.Headers.RetryAfter.ToString());

        _store.Fail = false;
        _store.Answer = new Membership(MembershipStatus.Member, "ADMINISTRATOR");
        await InvokeAsync(Request());
        Assert.True(_forwarded); // the failure was not cached
    }

    public void Dispose()
    {
        _membership.Dispose();
        _credentials.Dispose();
        _meters.Dispose();
    }

    private sealed class StubStore : IMembershipStore
    {
        public Membership Answer { get; set; } = Membership.NotAMember;

        public bool Fail { get; set; }

        public int Calls { get; private set; }

        public Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
        {
            Calls++;
            return Fail ? Task.FromException<Membership>(new MembershipUnavailableException("down")) : Task.FromResult(Answer);
        }

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class ProxyFeature(RouteModel route) : IReverseProxyFeature
    {
        public RouteModel Route { get; } = route;

        public ClusterModel Cluster { get; set; } = null!;

        public IReadOnlyList<DestinationState> AllDestinations { get; set; } = [];

        public IReadOnlyList<DestinationState> AvailableDestinations { get; set; } = [];

        public DestinationState? ProxiedDestination { get; set; }
    }
}
