using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Applications.Api.Tests;

/// <summary>End to end over real processes: the sample API with real scoped STS credentials against LocalAws.</summary>
[Collection(ApplicationsApiProcesses.Name)]
public sealed class ApplicationsApiTests(ApplicationsApiFixture fixture)
{
    [Fact]
    public async Task Healthz_WithoutEnvelope_200()
    {
        using var response = await fixture.Api.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Applications_WithoutEnvelope_401Missing()
    {
        using var response = await fixture.Api.GetAsync(new Uri("/applications", UriKind.Relative));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_missing");
    }

    [Fact]
    public async Task Applications_EnvelopeUnderAnotherKey_401Invalid()
    {
        var foreignKey = Convert.ToBase64String(Enumerable.Repeat((byte)42, 64).ToArray());
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite, foreignKey);

        using var response = await SendAsync(HttpMethod.Get, "/applications", envelope);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "tenant_context_invalid");
    }

    [Fact]
    public async Task ListApplications_OwnOrganization_200WithOnlyItsItems()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);

        using var response = await SendAsync(HttpMethod.Get, "/applications", envelope);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("acme", body.GetProperty("organizationId").GetString());
        var applications = body.GetProperty("applications").EnumerateArray().ToArray();
        Assert.Contains(applications, a => a.GetProperty("applicationId").GetString() == "app-1001");
        Assert.All(applications, a => Assert.Equal("acme", a.GetProperty("organizationId").GetString()));
    }

    [Fact]
    public async Task UnsafeEndpoint_OtherOrganization_403TenantAccessDenied()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);

        using var response = await SendAsync(HttpMethod.Get, "/unsafe/applications?organizationId=globex", envelope);

        var body = await AssertProblemAsync(response, HttpStatusCode.Forbidden, "tenant_access_denied");
        Assert.DoesNotContain("Globex Payroll", body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsafeEndpoint_OwnOrganization_200()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);

        using var response = await SendAsync(HttpMethod.Get, "/unsafe/applications?organizationId=acme", envelope);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Acme Billing", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsafeEndpoint_GlobexCallerReadsGlobex_200()
    {
        var envelope = await fixture.EnvelopeAsync("bob", "globex", "MEMBER", ApplicationsApiFixture.ReadWrite);

        using var response = await SendAsync(HttpMethod.Get, "/unsafe/applications?organizationId=globex", envelope);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Globex Payroll", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateGetDelete_ReadWrite_RoundTrip()
    {
        var envelope = await fixture.EnvelopeAsync("erin", "acme", "MEMBER", ApplicationsApiFixture.ReadWrite);

        using var created = await SendAsync(HttpMethod.Post, "/applications", envelope, new { name = "E2E Test App" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var application = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = application.GetProperty("applicationId").GetString();
        Assert.Equal("acme", application.GetProperty("organizationId").GetString());
        Assert.Equal("erin", application.GetProperty("createdBy").GetString());

        using var fetched = await SendAsync(HttpMethod.Get, $"/applications/{id}", envelope);
        using var deleted = await SendAsync(HttpMethod.Delete, $"/applications/{id}", envelope);
        using var gone = await SendAsync(HttpMethod.Get, $"/applications/{id}", envelope);

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertProblemAsync(gone, HttpStatusCode.NotFound, "application_not_found");
    }

    [Fact]
    public async Task GetApplication_OtherOrganizationsId_404NotLeaked()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);

        using var foreign = await SendAsync(HttpMethod.Get, "/applications/app-2001", envelope);
        using var own = await SendAsync(HttpMethod.Get, "/applications/app-1001", envelope);

        await AssertProblemAsync(foreign, HttpStatusCode.NotFound, "application_not_found");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task Create_ReadOnlyPermissionSet_403FromIam()
    {
        var envelope = await fixture.EnvelopeAsync("carol", "acme", "VIEWER", ApplicationsApiFixture.ReadOnly);

        using var create = await SendAsync(HttpMethod.Post, "/applications", envelope, new { name = "Not allowed" });
        using var list = await SendAsync(HttpMethod.Get, "/applications", envelope);

        await AssertProblemAsync(create, HttpStatusCode.Forbidden, "tenant_access_denied");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task Create_EmptyName_400()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);

        using var response = await SendAsync(HttpMethod.Post, "/applications", envelope, new { name = " " });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_application_name");
    }

    [Fact]
    public async Task WhoAmI_IdentityOnlyNeverCredentials()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);

        using var response = await SendAsync(HttpMethod.Get, "/whoami", envelope);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("acme", body.RootElement.GetProperty("organizationId").GetString());
        Assert.Equal("alice", body.RootElement.GetProperty("userId").GetString());
        Assert.Equal(["organizationId", "userId", "role", "requestId"], body.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.All(fixture.IssuedSecrets, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiOutput_NeverContainsIssuedSecrets()
    {
        var envelope = await fixture.EnvelopeAsync("alice", "acme", "ADMINISTRATOR", ApplicationsApiFixture.ReadWrite);
        using var denied = await SendAsync(HttpMethod.Get, "/unsafe/applications?organizationId=initech", envelope);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        var output = await WaitForOutputAsync("tenant_access_denied", "access denied by IAM");

        Assert.Contains("access denied by IAM: organization=\"acme\"", output, StringComparison.Ordinal);
        Assert.NotEmpty(fixture.IssuedSecrets);
        Assert.All(fixture.IssuedSecrets, secret => Assert.DoesNotContain(secret, output, StringComparison.Ordinal));
    }

    private async Task<string> WaitForOutputAsync(params string[] anyOf)
    {
        for (var i = 0; i < 50; i++)
        {
            var output = fixture.ApiOutput;
            if (anyOf.Any(s => output.Contains(s, StringComparison.Ordinal)))
            {
                return output;
            }

            await Task.Delay(100);
        }

        return fixture.ApiOutput;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string envelope, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Tenant-Context", envelope);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await fixture.Api.SendAsync(request);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("code").GetString());
        return body;
    }
}
