using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.EndToEnd;

/// <summary>Real processes end to end: client → gateway → backend → LocalAws (IAM-enforcing DynamoDB). Each deny has its allow twin.</summary>
[Collection(GatewayStackDefinition.Name)]
[TestCaseOrderer(AlphabeticalOrderer.TypeName, "Gateway.Tests")]
public sealed class GatewayEndToEndTests(GatewayStackFixture stack)
{
    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(code, await CodeAsync(response));
    }

    [Fact]
    public async Task Member_ReadsOwnOrganization_200ViaHeaderAndRoute()
    {
        var alice = await stack.TokenAsync("alice");

        using var viaHeader = await stack.SendAsync(HttpMethod.Get, "api/applications", alice, "acme");
        using var viaRoute = await stack.SendAsync(HttpMethod.Get, "orgs/acme/applications", alice);

        foreach (var response in new[] { viaHeader, viaRoute })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("app-1001", body, StringComparison.Ordinal);
            Assert.DoesNotContain("app-2001", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NonMember_403NotAMember_WhileMemberTwinSucceeds()
    {
        using var alice = await stack.SendAsync(HttpMethod.Get, "api/applications", await stack.TokenAsync("alice"), "globex");
        using var bob = await stack.SendAsync(HttpMethod.Get, "api/applications", await stack.TokenAsync("bob"), "globex");

        await AssertProblemAsync(alice, HttpStatusCode.Forbidden, "not_a_member");
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        Assert.Contains("app-2001", await bob.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuspendedOrganization_403OrganizationSuspended_WhileActiveTwinSucceeds()
    {
        var alice = await stack.TokenAsync("alice");

        using var dave = await stack.SendAsync(HttpMethod.Get, "api/applications", await stack.TokenAsync("dave"), "initech");
        // alice is ADMINISTRATOR of both: only the organization's status differs.
        using var suspended = await stack.SendAsync(HttpMethod.Get, "api/applications", alice, GatewayStackFixture.SuspendedOrganization);
        using var active = await stack.SendAsync(HttpMethod.Get, "api/applications", alice, "acme");

        await AssertProblemAsync(dave, HttpStatusCode.Forbidden, "organization_suspended");
        await AssertProblemAsync(suspended, HttpStatusCode.Forbidden, "organization_suspended");
        Assert.Equal(HttpStatusCode.OK, active.StatusCode);
        Assert.Contains("app-1001", await active.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackendBug_QueryingAnotherOrganization_DeniedByIam()
    {
        var alice = await stack.TokenAsync("alice");

        using var other = await stack.SendAsync(HttpMethod.Get, "api/unsafe/applications?organizationId=globex", alice, "acme");
        using var own = await stack.SendAsync(HttpMethod.Get, "api/unsafe/applications?organizationId=acme", alice, "acme");

        await AssertProblemAsync(other, HttpStatusCode.Forbidden, "tenant_access_denied");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("app-1001", await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The credentials the gateway really handed to a backend (read from the echo backend's envelope), used as a buggy
    /// backend would: UpdateItem on another organization's item is denied by IAM and leaves that item exactly as it
    /// was; the same UpdateItem on the own organization's item succeeds.
    /// </summary>
    [Fact]
    public async Task BackendBug_UpdatingAnotherOrganizationsItem_DeniedByIamAndItemUnchanged_OwnUpdateSucceeds()
    {
        var before = stack.Echo.Received.Count;
        using (var response = await stack.SendAsync(HttpMethod.Get, "echo/scoped", await stack.TokenAsync("alice"), "acme"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var read = stack.EchoReader.Read(Assert.Single(stack.Echo.Received.Skip(before).Single()["X-Tenant-Context"]));
        Assert.True(read.Succeeded, read.FailureReason);
        var envelope = read.Envelope;
        using var scoped = stack.Aws.CreateDynamoDbClient(new SessionAWSCredentials(envelope.AccessKeyId, envelope.SecretAccessKey, envelope.SessionToken));
        using var admin = stack.Aws.CreateDynamoDbClient(stack.Aws.AdminCredentials);
        var otherKey = ApplicationKey("globex", "app-2001");
        var otherBefore = (await admin.GetItemAsync(new GetItemRequest { TableName = "Applications", Key = otherKey, ConsistentRead = true })).Item;

        var denied = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => scoped.UpdateItemAsync(SetName(otherKey, "owned-by-acme")));
        var ownKey = ApplicationKey("acme", "app-1002");
        await scoped.UpdateItemAsync(SetName(ownKey, "Acme Portal (updated)"));

        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        var otherAfter = (await admin.GetItemAsync(new GetItemRequest { TableName = "Applications", Key = otherKey, ConsistentRead = true })).Item;
        Assert.Equal("Globex Payroll", otherAfter["name"].S);
        Assert.Equal(
            otherBefore.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value.S}"),
            otherAfter.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value.S}"));
        var own = (await admin.GetItemAsync(new GetItemRequest { TableName = "Applications", Key = ownKey, ConsistentRead = true })).Item;
        Assert.Equal("Acme Portal (updated)", own["name"].S);
    }

    private static Dictionary<string, AttributeValue> ApplicationKey(string organization, string application)
        => new() { ["organizationId"] = new AttributeValue { S = organization }, ["applicationId"] = new AttributeValue { S = application } };

    private static UpdateItemRequest SetName(Dictionary<string, AttributeValue> key, string name) => new()
    {
        TableName = "Applications",
        Key = key,
        UpdateExpression = "SET #n = :n",
        ConditionExpression = "attribute_exists(applicationId)",
        ExpressionAttributeNames = new() { ["#n"] = "name" },
        ExpressionAttributeValues = new() { [":n"] = new AttributeValue { S = name } },
    };

    [Fact]
    public async Task ViewerWrite_DeniedByIam_WhileMemberWriteSucceeds()
    {
        using var viewer = await stack.SendAsync(HttpMethod.Post, "api/applications", await stack.TokenAsync("carol"), "acme", content: JsonContent.Create(new { name = "carol-was-here" }));
        using var member = await stack.SendAsync(HttpMethod.Post, "api/applications", await stack.TokenAsync("erin"), "acme", content: JsonContent.Create(new { name = "erin-app" }));

        await AssertProblemAsync(viewer, HttpStatusCode.Forbidden, "tenant_access_denied");
        Assert.Equal(HttpStatusCode.Created, member.StatusCode);
    }

    [Fact]
    public async Task ConflictingOrganizationSources_400_WhileAgreeingSourcesSucceed()
    {
        var alice = await stack.TokenAsync("alice");

        using var conflict = await stack.SendAsync(HttpMethod.Get, "orgs/acme/applications", alice, "globex");
        using var agreeing = await stack.SendAsync(HttpMethod.Get, "orgs/acme/applications", alice, "acme");

        await AssertProblemAsync(conflict, HttpStatusCode.BadRequest, "organization_conflict");
        Assert.Equal(HttpStatusCode.OK, agreeing.StatusCode);
        Assert.Contains("app-1001", await agreeing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoOrganization_400OrganizationRequired_WhileNamedOrganizationSucceeds()
    {
        var alice = await stack.TokenAsync("alice");

        using var missing = await stack.SendAsync(HttpMethod.Get, "api/applications", alice);
        using var named = await stack.SendAsync(HttpMethod.Get, "api/applications", alice, "acme");

        await AssertProblemAsync(missing, HttpStatusCode.BadRequest, "organization_required");
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
    }

    [Theory]
    [InlineData("org-1*")]
    [InlineData("../x")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task InvalidOrganizationIdInHeader_400(string organization)
    {
        var alice = await stack.TokenAsync("alice");

        using var invalid = await stack.SendAsync(HttpMethod.Get, "api/applications", alice, organization);
        using var valid = await stack.SendAsync(HttpMethod.Get, "api/applications", alice, "acme");

        await AssertProblemAsync(invalid, HttpStatusCode.BadRequest, "invalid_organization_id");
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Fact]
    public async Task InvalidOrganizationIdInRoute_400_WhileValidRouteSucceeds()
    {
        var alice = await stack.TokenAsync("alice");

        using var invalid = await stack.SendAsync(HttpMethod.Get, "orgs/org-1*/applications", alice);
        using var valid = await stack.SendAsync(HttpMethod.Get, "orgs/acme/applications", alice);

        await AssertProblemAsync(invalid, HttpStatusCode.BadRequest, "invalid_organization_id");
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Theory]
    [InlineData("/orgs/acme/..%2f..%2forgs/globex/applications", "/orgs/acme/applications")]
    [InlineData("/orgs/acme/%2e%2e/globex/applications", "/orgs/acme/applications")]
    [InlineData("/orgs/acme%2fglobex/applications", "/orgs/acme/applications")]
    [InlineData("/api/applications%5c..%5cadmin", "/api/applications")]
    [InlineData("/api/../orgs/globex/applications", "/api/applications")]
    public async Task AmbiguousPaths_400BadRequest_WhileCanonicalTwinSucceeds(string path, string canonical)
    {
        var alice = await stack.TokenAsync("alice");

        using var ambiguous = await SendRawAsync(path, alice);
        using var twin = await SendRawAsync(canonical, alice);

        await AssertProblemAsync(ambiguous, HttpStatusCode.BadRequest, "bad_request");
        Assert.Equal(HttpStatusCode.OK, twin.StatusCode);
        Assert.Contains("app-1001", await twin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>Sends the target exactly as written: no client-side unescaping or dot-segment removal.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(string path, string token)
    {
        var target = new Uri(stack.Client.BaseAddress!.ToString().TrimEnd('/') + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, target);
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        return await stack.Client.SendAsync(request);
    }

    [Fact]
    public async Task SpoofedIdentityHeaders_NeverReachTheBackend()
    {
        var alice = await stack.TokenAsync("alice");
        var before = stack.Echo.Received.Count;

        using var response = await stack.SendAsync(HttpMethod.Get, "echo/anything", alice, "acme", request =>
        {
            request.Headers.TryAddWithoutValidation("X-Tenant-Context", "forged-envelope");
            request.Headers.TryAddWithoutValidation("x_tenant_context", "forged-underscore");
            request.Headers.TryAddWithoutValidation("X-TENANT-ORG", "globex");
            request.Headers.TryAddWithoutValidation("x_organization_id", "globex");
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", "forged-token");
            request.Headers.TryAddWithoutValidation("x_amz_date", "20200101T000000Z");
            request.Headers.TryAddWithoutValidation("X-User-Id", "root");
            request.Headers.TryAddWithoutValidation("X-Request-Id", "forged-request-id");
            request.Headers.TryAddWithoutValidation("X-Benign", "kept");
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = stack.Echo.Received.Skip(before).Single();
        Assert.Equal("kept", Assert.Single(received["X-Benign"]));
        foreach (var name in new[] { "x_tenant_context", "X-Tenant-Org", "x_organization_id", "X-Organization-Id", "X-Amz-Security-Token", "x_amz_date", "X-User-Id", "Authorization" })
        {
            Assert.False(received.ContainsKey(name), $"{name} reached the backend");
        }

        var envelope = Assert.Single(received["X-Tenant-Context"]);
        Assert.NotEqual("forged-envelope", envelope);
        Assert.NotEqual("forged-request-id", Assert.Single(received["X-Request-Id"]));
        var read = stack.EchoReader.Read(envelope);
        Assert.True(read.Succeeded, read.FailureReason);
        Assert.Equal("acme", read.Envelope.OrganizationId);
        Assert.Equal("alice", read.Envelope.UserId);
        Assert.Equal("ADMINISTRATOR", read.Envelope.Role);
    }

    [Fact]
    public async Task ClientEnvelopeOnly_WithoutToken_401AndNothingForwarded()
    {
        var before = stack.Echo.Received.Count;

        using var response = await stack.SendAsync(HttpMethod.Get, "echo/anything", null, "acme", r => r.Headers.TryAddWithoutValidation("X-Tenant-Context", "forged"));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(before, stack.Echo.Received.Count);

        // Twin: the same request with a token is forwarded (with the gateway's envelope, not the forged one).
        using var authenticated = await stack.SendAsync(HttpMethod.Get, "echo/anything", await stack.TokenAsync("alice"), "acme", r => r.Headers.TryAddWithoutValidation("X-Tenant-Context", "forged"));
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.NotEqual("forged", Assert.Single(stack.Echo.Received.Skip(before).Single()["X-Tenant-Context"]));
    }

    public static TheoryData<string> BadTokenKinds => new() { "none", "expired", "wrong-audience", "self-signed-wrong-issuer", "alg-none", "hs256-with-public-key", "tampered-signature", "tampered-payload", "garbage" };

    [Theory]
    [MemberData(nameof(BadTokenKinds))]
    public async Task InvalidTokens_401Unauthenticated(string kind)
    {
        var token = kind switch
        {
            "none" => null,
            "expired" => await stack.TokenAsync("alice", expiresInSeconds: -600),
            "wrong-audience" => await stack.TokenAsync("alice", audience: "some-other-api"),
            "self-signed-wrong-issuer" => await SelfSignedAsync(),
            "alg-none" => AlgNone(await stack.TokenAsync("alice")),
            "hs256-with-public-key" => await Hs256WithPublicKeyAsync(await stack.TokenAsync("alice")),
            "tampered-signature" => TamperSignature(await stack.TokenAsync("alice")),
            "tampered-payload" => TamperPayload(await stack.TokenAsync("alice")),
            _ => "not.a.jwt",
        };

        using var response = await stack.SendAsync(HttpMethod.Get, "api/applications", token, "acme");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ValidToken_TwinOfInvalidTokens_200()
    {
        using var response = await stack.SendAsync(HttpMethod.Get, "api/applications", await stack.TokenAsync("alice"), "acme");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AnonymousEndpoints_OnlyHealthReadyMetrics()
    {
        using var healthz = await stack.Client.GetAsync("healthz");
        using var readyz = await stack.Client.GetAsync("readyz");
        using var metrics = await stack.Client.GetAsync("metrics");
        using var other = await stack.Client.GetAsync("not-a-route");

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("gateway_", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertProblemAsync(other, HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task ConcurrentFirstRequests_OneAssumeRole()
    {
        var alice = await stack.TokenAsync("alice");
        var before = await stack.Aws.GetStatsAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => stack.SendAsync(HttpMethod.Get, "echo/flight", alice, "flight")));

        var after = await stack.Aws.GetStatsAsync();
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, after.AssumeRoleCalls - before.AssumeRoleCalls);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task StsThrottled_CachedOrganizationStillServed_NewOrganization503WithRetryAfter()
    {
        var alice = await stack.TokenAsync("alice");
        using (var warm = await stack.SendAsync(HttpMethod.Get, "echo/warm", alice, "acme"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        await stack.Aws.SetStsFaultAsync("throttle");
        try
        {
            using var cached = await stack.SendAsync(HttpMethod.Get, "echo/cached", alice, "acme");
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);

            var before = stack.Echo.Received.Count;
            using var fresh = await stack.SendAsync(HttpMethod.Get, "echo/fresh", alice, "faulty");
            await AssertProblemAsync(fresh, HttpStatusCode.ServiceUnavailable, "credentials_unavailable");
            Assert.True(fresh.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After missing");
            Assert.Equal(before, stack.Echo.Received.Count); // nothing forwarded without scoped credentials
        }
        finally
        {
            await stack.Aws.ClearFaultsAsync();
        }

        using var recovered = await stack.SendAsync(HttpMethod.Get, "echo/fresh", alice, "faulty");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task Z_NoSecretInAnyCapturedLog()
    {
        // Make sure at least one envelope exists even if this test runs alone.
        using (var response = await stack.SendAsync(HttpMethod.Get, "echo/secrets", await stack.TokenAsync("alice"), "acme"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var headers in stack.Echo.Received)
        {
            if (headers.TryGetValue("X-Tenant-Context", out var values) && stack.EchoReader.Read(values[0]) is { Succeeded: true } read)
            {
                secrets.Add(read.Envelope.SecretAccessKey);
                secrets.Add(read.Envelope.SessionToken);
                secrets.Add(values[0]); // the envelope itself
            }
        }

        Assert.NotEmpty(secrets);
        var logs = stack.Gateway.Output + stack.Backend.Output;
        Assert.Contains("audit decision=deny", stack.Gateway.Output, StringComparison.Ordinal); // the scan really sees the gateway's audit log
        Assert.Contains("Now listening on", stack.Gateway.Output, StringComparison.Ordinal); // ...from the very start (tail not truncated)
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }

    // ---- token forgery helpers -------------------------------------------------------------------------------

    private static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private static string AlgNone(string valid) => $"{B64("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{valid.Split('.')[1]}.";

    private static string TamperSignature(string valid)
    {
        var parts = valid.Split('.');
        var signature = parts[2].ToCharArray();
        signature[10] = signature[10] == 'A' ? 'B' : 'A';
        return $"{parts[0]}.{parts[1]}.{new string(signature)}";
    }

    private static string TamperPayload(string valid)
    {
        var parts = valid.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"alice\"", "\"bob\"", StringComparison.Ordinal);
        return $"{parts[0]}.{B64(payload)}.{parts[2]}";
    }

    private async Task<string> Hs256WithPublicKeyAsync(string valid)
    {
        using var jwks = JsonDocument.Parse(await stack.Aws.Http.GetStringAsync(".well-known/jwks.json"));
        var key = jwks.RootElement.GetProperty("keys")[0];
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Base64UrlEncoder.DecodeBytes(key.GetProperty("n").GetString()),
            Exponent = Base64UrlEncoder.DecodeBytes(key.GetProperty("e").GetString()),
        });
        var publicKey = Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        var header = B64($"{{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"{key.GetProperty("kid").GetString()}\"}}");
        var signingInput = $"{header}.{valid.Split('.')[1]}";
        var signature = Base64UrlEncoder.Encode(HMACSHA256.HashData(publicKey, Encoding.ASCII.GetBytes(signingInput)));
        return $"{signingInput}.{signature}";
    }

    private async Task<string> SelfSignedAsync()
    {
        using var jwks = JsonDocument.Parse(await stack.Aws.Http.GetStringAsync(".well-known/jwks.json"));
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = jwks.RootElement.GetProperty("keys")[0].GetProperty("kid").GetString() };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://evil.example.com",
            Audience = "tenant-gateway",
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = "alice" },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }
}
