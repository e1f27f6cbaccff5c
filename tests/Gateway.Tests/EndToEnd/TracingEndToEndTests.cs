using System.Net;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// OpenTelemetry over real processes: the gateway and the sample API export OTLP/HTTP to a real receiver in the test,
/// which decodes the protobuf; one request's trace runs gateway request → credential span (→ STS call) → forwarding →
/// backend request → DynamoDB call, with organization, permission set, outcome and cache attributes and no secret.
/// </summary>
[Collection(ObservabilityTests.Name)]
public sealed class TracingEndToEndTests(ObservabilityFixture fixture)
{
    private const int Server = 2;
    private const int Client = 3;

    [Fact]
    public async Task AllowedRequest_OneTraceFromGatewayThroughCredentialsAndBackendToDynamoDb()
    {
        // Only this test uses the traced organization: its first request misses the credential cache.
        var token = await fixture.Topology.Aws.MintTokenAsync(ObservabilityFixture.TracedUser);
        using var response = await fixture.GetApplicationsAsync(ObservabilityFixture.TracedUser, ObservabilityFixture.TracedOrganization, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The gateway's server span ends last (after the backend answered): wait until the whole trace arrived.
        var spans = await fixture.Receiver.WaitForAsync(
            all => all.FirstOrDefault(s => s.Name == "tenant_isolation.credentials" && s.Attributes.GetValueOrDefault("organization.id") == ObservabilityFixture.TracedOrganization) is { } c
                && all.Any(s => s.TraceId == c.TraceId && s.Service == "tenant-gateway" && s.Kind == Server)
                && all.Any(s => s.TraceId == c.TraceId && s.Service == "applications-api" && s.Kind == Server)
                && all.Any(s => s.TraceId == c.TraceId && s.Name.StartsWith("DynamoDB.", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20));
        var dump = string.Join(Environment.NewLine, spans);

        var credentials = Assert.Single(spans, s => s.Name == "tenant_isolation.credentials" && s.Attributes.GetValueOrDefault("organization.id") == ObservabilityFixture.TracedOrganization);
        var trace = spans.Where(s => s.TraceId == credentials.TraceId).ToDictionary(s => s.SpanId);
        Assert.Equal("tenant-gateway", credentials.Service);
        Assert.Equal("read-write", credentials.Attributes["gateway.permission_set"]);
        Assert.Equal("ok", credentials.Attributes["gateway.outcome"]);
        Assert.Equal("miss", credentials.Attributes["gateway.cache"]);

        // gateway request (server) → … → credential span
        var gatewayRequest = Assert.Single(trace.Values, s => s.Service == "tenant-gateway" && s.Kind == Server);
        Assert.Equal(string.Empty, gatewayRequest.ParentSpanId);
        Assert.Contains(gatewayRequest.SpanId, Ancestors(credentials, trace));

        // credential span → STS AssumeRole (a miss calls STS once)
        var assumeRole = Assert.Single(trace.Values, s => s.Name == "sts.AssumeRole");
        Assert.Equal(credentials.SpanId, assumeRole.ParentSpanId);
        Assert.Equal("ok", assumeRole.Attributes["gateway.outcome"]);
        Assert.StartsWith(ObservabilityFixture.TracedOrganization, assumeRole.Attributes["aws.sts.role_session_name"], StringComparison.Ordinal);

        // forwarding → backend request (server, continued from the gateway's traceparent)
        var forward = Assert.Single(trace.Values, s => s.Name == "gateway.forward");
        var backendRequest = Assert.Single(trace.Values, s => s.Service == "applications-api" && s.Kind == Server);
        Assert.Contains(forward.SpanId, Ancestors(backendRequest, trace));
        Assert.Contains(gatewayRequest.SpanId, Ancestors(forward, trace));

        // backend request → DynamoDB call of the scoped client
        var dynamo = Assert.Single(trace.Values, s => s.Service == "applications-api" && s.Name.StartsWith("DynamoDB.", StringComparison.Ordinal));
        Assert.Equal(Client, dynamo.Kind);
        Assert.Contains(backendRequest.SpanId, Ancestors(dynamo, trace));
        Assert.Equal("Applications", dynamo.Attributes["aws.dynamodb.table_names"]);
        Assert.Equal("200", dynamo.Attributes["http.response.status_code"]);

        // authentication span, and the request's outcome on the gateway's server span
        Assert.Contains(trace.Values, s => s.Name == "gateway.authenticate" && s.Attributes.GetValueOrDefault("gateway.authentication") == "authenticated");
        Assert.Equal("ok", gatewayRequest.Attributes["gateway.outcome"]);

        // never a secret: not the bearer token, no credential or envelope header, nothing token-sized
        foreach (var span in spans)
        {
            foreach (var (key, value) in span.Attributes)
            {
                Assert.DoesNotContain(token, value, StringComparison.Ordinal);
                Assert.DoesNotContain("authorization", key, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("x-tenant-context", key, StringComparison.OrdinalIgnoreCase);
                Assert.True(value.Length < 120, $"attribute {key} of {span.Name} is {value.Length} characters long\n{dump}");
            }
        }
    }

    [Fact]
    public async Task DeniedRequest_CredentialSpanAbsent_OutcomeOnTheGatewaySpan()
    {
        // alice is not a member of globex: the trace shows the membership span with its outcome and no credentials.
        using var denied = await fixture.GetApplicationsAsync("alice", "globex");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        using var allowed = await fixture.GetApplicationsAsync("bob", "globex"); // the allow twin
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        var spans = await fixture.Receiver.WaitForAsync(
            all => all.Count(s => s.Name == "tenant_isolation.evaluate" && s.Attributes.GetValueOrDefault("organization.id") == "globex") >= 2,
            TimeSpan.FromSeconds(20));
        var evaluations = spans.Where(s => s.Name == "tenant_isolation.evaluate" && s.Attributes.GetValueOrDefault("organization.id") == "globex").ToList();
        var deniedEvaluation = Assert.Single(evaluations, s => s.Attributes["tenant_isolation.decision"] == "deny");
        Assert.Equal("not_a_member", deniedEvaluation.Attributes["gateway.outcome"]);
        Assert.DoesNotContain(spans, s => s.TraceId == deniedEvaluation.TraceId && s.Name == "tenant_isolation.credentials");
        Assert.Contains(spans, s => s.TraceId == deniedEvaluation.TraceId && s.Name == "tenant_isolation.membership");
        Assert.Contains(spans, s => s.TraceId == deniedEvaluation.TraceId && s.Kind == Server && s.Attributes.GetValueOrDefault("gateway.outcome") == "not_a_member");
        var allowedEvaluation = Assert.Single(evaluations, s => s.Attributes["tenant_isolation.decision"] == "allow");
        Assert.Contains(spans, s => s.TraceId == allowedEvaluation.TraceId && s.Name == "tenant_isolation.credentials");
    }

    private static List<string> Ancestors(OtlpSpan span, Dictionary<string, OtlpSpan> trace)
    {
        var ancestors = new List<string>();
        var parent = span.ParentSpanId;
        while (parent.Length > 0 && ancestors.Count < 32)
        {
            ancestors.Add(parent);
            parent = trace.TryGetValue(parent, out var next) ? next.ParentSpanId : string.Empty;
        }

        return ancestors;
    }
}
