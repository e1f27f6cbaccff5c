using Gateway.Forwarding;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Evaluation;
using Gateway.Policies;
using Gateway.Tenancy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Tests.Forwarding;

/// <summary>
/// <see cref="TenantResponseTransform"/>: <c>X-Tenant-Credentials-Rejected</c> never reaches the client, on any route;
/// <c>1</c> on a request the engine allowed hands exactly that request's decision to the engine (which drops only its
/// set: <c>CredentialCacheRejectionTests</c>, <c>RejectedCredentialsTests</c>); on a request without a tenant decision
/// (non-isolated or legacy route) nothing is reported.
/// </summary>
public sealed class TenantResponseTransformTests
{
    private readonly RecordingEvaluator _engine = new();

    [Fact]
    public async Task ApplyAsync_HeaderOnAnAllowedRequest_ReportsThatRequestsDecision_HeaderRemoved()
    {
        var (http, decision) = Allowed();

        await ApplyAsync(http, "1");

        Assert.Same(decision, Assert.Single(_engine.Reported));
        Assert.False(http.Response.Headers.ContainsKey(TenantResponseTransform.CredentialsRejectedHeader));
    }

    [Fact]
    public async Task ApplyAsync_HeaderWithoutATenantDecision_NothingReported_HeaderRemoved()
    {
        // A non-isolated or legacy route (no ITenantFeature): never an unscoped or another organization's drop. Twin above.
        var http = new DefaultHttpContext();

        await ApplyAsync(http, "1");

        Assert.Empty(_engine.Reported);
        Assert.False(http.Response.Headers.ContainsKey(TenantResponseTransform.CredentialsRejectedHeader));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("true")]
    [InlineData("globex")]
    public async Task ApplyAsync_OtherValue_NothingReported_HeaderRemoved(string value)
    {
        var (http, _) = Allowed();

        await ApplyAsync(http, value);

        Assert.Empty(_engine.Reported);
        Assert.False(http.Response.Headers.ContainsKey(TenantResponseTransform.CredentialsRejectedHeader));
    }

    [Fact]
    public async Task ApplyAsync_NoHeader_NothingReported_OtherHeadersKept()
    {
        var (http, _) = Allowed();

        await ApplyAsync(http, null);

        Assert.Empty(_engine.Reported);
        Assert.Equal("kept", http.Response.Headers["X-Other"]);
    }

    private async Task ApplyAsync(HttpContext http, string? value)
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("X-Other", "kept");
        http.Response.Headers["X-Other"] = "kept";
        if (value is not null)
        {
            response.Headers.TryAddWithoutValidation(TenantResponseTransform.CredentialsRejectedHeader, value);
            http.Response.Headers[TenantResponseTransform.CredentialsRejectedHeader] = value; // as YARP's header copy left it
        }

        await new TenantResponseTransform(() => _engine).ApplyAsync(new ResponseTransformContext { HttpContext = http, ProxyResponse = response, HeadersCopied = true });
    }

    private static (DefaultHttpContext Http, TenantIsolationDecision Decision) Allowed()
    {
        var credentials = new ScopedCredentials("ASIAEXAMPLE00000001", "secret", "token", DateTimeOffset.UnixEpoch.AddYears(60), "acme+read-write");
        var decision = TenantIsolationDecision.Allow(OrganizationId.Parse("acme"), "alice", "ADMINISTRATOR", "read-write", credentials);
        var http = new DefaultHttpContext();
        http.Features.Set<ITenantFeature>(new TenantFeature(decision, "sealed-envelope"));
        return (http, decision);
    }

    private sealed class RecordingEvaluator : ITenantIsolationEvaluator
    {
        public List<TenantIsolationDecision> Reported { get; } = [];

        public ValueTask<TenantIsolationDecision> DecideAsync(TenantRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<CredentialRejectionOutcome> CredentialsRejectedAsync(TenantIsolationDecision decision, CancellationToken cancellationToken)
        {
            Reported.Add(decision);
            return ValueTask.FromResult(CredentialRejectionOutcome.Dropped);
        }
    }
}
