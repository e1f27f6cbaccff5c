using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Settings reload without a restart, against a real gateway process (and LocalAws, real AWS SDK): the gateway runs in
/// a temporary content root holding copies of <c>appsettings.json</c> and <c>appsettings.Local.json</c>; the test edits
/// that file and sees the new behaviour over HTTP within <see cref="ReloadDelay"/>, with the same process id. An invalid
/// edit is refused with one error line naming the key and the old behaviour stays.
/// </summary>
public sealed class ConfigurationReloadTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The documented bound (README, Configuration: "Reloading settings") with room for a loaded machine.</summary>
    private static readonly TimeSpan ReloadDelay = TimeSpan.FromSeconds(10);

    private const string RefusedLine = "Settings reload refused";

    private readonly string _contentRoot = Directory.CreateTempSubdirectory("gateway-reload-").FullName;
    private GatewayTopology? _topology;
    private HttpClient Client { get; set; } = null!;

    private LocalAwsHost Aws => _topology!.Aws;

    /// <summary>An envelope key the sample API accepts beside the local one (the rotation's target).</summary>
    private static readonly (string Id, string Key) KnownKey = ("reload-2", Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));

    private string SettingsFile => Path.Combine(_contentRoot, "appsettings.json");

    private string LocalSettingsFile => Path.Combine(_contentRoot, "appsettings.Local.json");

    public async Task InitializeAsync()
    {
        File.Copy(Path.Combine(RepoPaths.Root, "appsettings.json"), SettingsFile);
        File.Copy(Path.Combine(RepoPaths.Root, "appsettings.Local.json"), Path.Combine(_contentRoot, "appsettings.Local.json"));
        // Refusals are not cached at start (the membership TTL test raises it by an edit).
        EditSettings(settings => settings["TenantIsolation"]!["Membership"]!["NegativeTtl"] = "00:00:00");
        _topology = await GatewayTopology.StartAsync(new GatewayTopologyOptions
        {
            GatewayWorkingDirectory = _contentRoot,
            SampleApiEnvironment = new Dictionary<string, string?>
            {
                ["TenantContext__Keys__1__KeyId"] = KnownKey.Id,
                ["TenantContext__Keys__1__Key"] = KnownKey.Key,
            },
        });
        Client = _topology.CreateGatewayClient();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }

        Directory.Delete(_contentRoot, recursive: true);
    }

    [Fact]
    public async Task FileEdited_PermissionSetAndRoute_TakeEffectWithoutRestart()
    {
        var pid = _topology!.Gateway.ProcessId;
        // carol is a VIEWER of acme → read-only: IAM (LocalAws) refuses her write; alice's (read-write) succeeds.
        Assert.Equal(HttpStatusCode.Forbidden, await WriteAsync("carol", "/api/applications"));
        Assert.Equal(HttpStatusCode.Created, await WriteAsync("alice", "/api/applications"));
        Assert.Equal(HttpStatusCode.NotFound, await ReadAsync("alice", "/v2/applications"));
        var assumedBefore = (await Aws.GetStatsAsync()).AssumeRoleSucceeded;

        // Redefine read-only to grant writes (same name: the credentials cached under the old definition must not be
        // served again) and add a route.
        EditSettings(settings =>
        {
            settings["TenantIsolation"]!["PermissionSets"]!["read-only"]!["Tables"]!["Applications"] = "ReadWrite";
            settings["ReverseProxy"]!["Routes"]!["v2"] = JsonNode.Parse("""
                { "ClusterId": "applications", "AuthorizationPolicy": "tenant", "Match": { "Path": "/v2/{**rest}" },
                  "Metadata": { "TenantIsolation": "true" }, "Transforms": [ { "PathPattern": "/{**rest}" } ] }
                """);
        });
        var edited = Stopwatch.StartNew();

        var carol = await UntilAsync(() => WriteAsync("carol", "/api/applications"), HttpStatusCode.Created);
        var route = await UntilAsync(() => ReadAsync("alice", "/v2/applications"), HttpStatusCode.OK);
        output.WriteLine($"new permission set and route served {edited.Elapsed.TotalSeconds:F2} s after the edit");

        Assert.Equal(HttpStatusCode.Created, carol);
        Assert.Equal(HttpStatusCode.OK, route);
        Assert.Equal(pid, _topology.Gateway.ProcessId);
        Assert.False(_topology.Gateway.HasExited);
        Assert.True((await Aws.GetStatsAsync()).AssumeRoleSucceeded > assumedBefore, "carol's write must run on newly minted credentials");
        Assert.True(Reloaded("TenantIsolation"), "no 'Settings reloaded: TenantIsolation' line");
        Assert.DoesNotContain(RefusedLine, _topology.Gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileEditedInvalidly_OldBehaviourStaysAndOneErrorLineNamesTheKey()
    {
        var pid = _topology!.Gateway.ProcessId;
        Assert.Equal(HttpStatusCode.Forbidden, await WriteAsync("carol", "/api/applications"));

        // One edit: a change that would let carol write, and a role mapped to a permission set that does not exist.
        EditSettings(settings =>
        {
            settings["TenantIsolation"]!["PermissionSets"]!["read-only"]!["Tables"]!["Applications"] = "ReadWrite";
            settings["TenantIsolation"]!["Roles"]!["VIEWER"] = "no-such-set";
        });
        await UntilAsync(() => Task.FromResult(_topology.Gateway.Output.Contains(RefusedLine, StringComparison.Ordinal)), true);
        await Task.Delay(TimeSpan.FromSeconds(1)); // a second change event of the same save must not add a line

        var log = _topology.Gateway.Output;
        Assert.Equal(1, Occurrences(log, RefusedLine));
        var line = log.Split('\n').Single(l => l.Contains(RefusedLine, StringComparison.Ordinal));
        Assert.Contains("TenantIsolation:Roles:VIEWER", line, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, await WriteAsync("carol", "/api/applications")); // the old read-only set
        Assert.Equal(HttpStatusCode.OK, await ReadAsync("carol", "/api/applications")); // and the old role mapping
        Assert.Equal(pid, _topology.Gateway.ProcessId);

        // Allow twin: the same edit made valid is taken.
        EditSettings(settings => settings["TenantIsolation"]!["Roles"]!["VIEWER"] = "read-only");
        Assert.Equal(HttpStatusCode.Created, await UntilAsync(() => WriteAsync("carol", "/api/applications"), HttpStatusCode.Created));
        Assert.Equal(1, Occurrences(_topology.Gateway.Output, RefusedLine));
    }

    [Fact]
    public async Task FileEdited_EnvelopeKeyRotated_NextEnvelopeSealedWithTheNewKey()
    {
        var pid = _topology!.Gateway.ProcessId;
        Assert.Equal(HttpStatusCode.OK, await ReadAsync("alice", "/api/applications"));

        // A current key the backend does not hold: the backend refuses the very next envelope (so no envelope sealed
        // with the old key is reused), which shows the gateway switched without a restart.
        var unknown = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        EditSettings(LocalSettingsFile, settings => settings["TenantIsolation"]!["Envelopes"]!["applications"]!["Current"] = Key("reload-3", unknown));
        Assert.Equal(HttpStatusCode.Unauthorized, await UntilAsync(() => ReadAsync("alice", "/api/applications"), HttpStatusCode.Unauthorized));

        // Allow twin: rotating to a key the backend holds serves again.
        EditSettings(LocalSettingsFile, settings => settings["TenantIsolation"]!["Envelopes"]!["applications"]!["Current"] = Key(KnownKey.Id, KnownKey.Key));
        Assert.Equal(HttpStatusCode.OK, await UntilAsync(() => ReadAsync("alice", "/api/applications"), HttpStatusCode.OK));
        Assert.Equal(pid, _topology.Gateway.ProcessId);
        Assert.True(Reloaded("TenantIsolation:Envelopes"), "no 'Settings reloaded: TenantIsolation:Envelopes' line");
        Assert.DoesNotContain(unknown, _topology.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(KnownKey.Key, _topology.Output, StringComparison.Ordinal);

        static JsonNode Key(string id, string key) => new JsonObject { ["KeyId"] = id, ["Key"] = key };
    }

    [Fact]
    public async Task FileEdited_MembershipNegativeTtl_AppliesToTheNextCachedAnswer()
    {
        // Twin first, under the started settings (NegativeTtl 0: a refusal is not cached): a user added to acme after a
        // refusal is let in at once.
        Assert.Equal(HttpStatusCode.Forbidden, await ReadAsync("mallory", "/api/applications"));
        await AddMemberAsync("mallory");
        Assert.Equal(HttpStatusCode.OK, await ReadAsync("mallory", "/api/applications"));

        EditSettings(settings => settings["TenantIsolation"]!["Membership"]!["NegativeTtl"] = "00:00:10");
        await UntilAsync(() => Task.FromResult(Reloaded("TenantIsolation")), true);

        // Now a refusal is cached for 10 s: the same sequence keeps oscar out although he was added meanwhile.
        Assert.Equal(HttpStatusCode.Forbidden, await ReadAsync("oscar", "/api/applications"));
        await AddMemberAsync("oscar");
        Assert.Equal(HttpStatusCode.Forbidden, await ReadAsync("oscar", "/api/applications"));
        Assert.Equal(HttpStatusCode.OK, await ReadAsync("mallory", "/api/applications")); // members are unaffected
    }

    private async Task AddMemberAsync(string user)
    {
        using var dynamo = Aws.CreateDynamoDbClient(Aws.AdminCredentials);
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = "OrganizationUsers",
            Item = new() { ["userId"] = new AttributeValue { S = user }, ["organizationId"] = new AttributeValue { S = "acme" }, ["role"] = new AttributeValue { S = "MEMBER" } },
        });
    }

    /// <summary>Rewrites the gateway's appsettings.json as an editor saving it would (a new file moved over the old one).</summary>
    private void EditSettings(Action<JsonNode> edit) => EditSettings(SettingsFile, edit);

    private static void EditSettings(string file, Action<JsonNode> edit)
    {
        var settings = JsonNode.Parse(File.ReadAllText(file))!;
        edit(settings);
        var next = file + ".new";
        File.WriteAllText(next, settings.ToJsonString());
        File.Move(next, file, overwrite: true);
    }

    /// <summary>Polls (bounded by <see cref="ReloadDelay"/>) until <paramref name="probe"/> gives <paramref name="expected"/>; returns the last result.</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T>> probe, T expected)
    {
        var elapsed = Stopwatch.StartNew();
        var last = await probe();
        while (!EqualityComparer<T>.Default.Equals(last, expected) && elapsed.Elapsed < ReloadDelay)
        {
            await Task.Delay(200);
            last = await probe();
        }

        return last;
    }

    /// <summary>Whether the gateway logged that <paramref name="section"/> (exactly) was reloaded.</summary>
    private bool Reloaded(string section)
        => _topology!.Gateway.Output.Split('\n').Any(line => line.TrimEnd('\r').EndsWith("Settings reloaded: " + section, StringComparison.Ordinal));

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private Task<HttpStatusCode> WriteAsync(string user, string path) => SendAsync(HttpMethod.Post, user, path, "{\"name\":\"reload-test\"}");

    private Task<HttpStatusCode> ReadAsync(string user, string path) => SendAsync(HttpMethod.Get, user, path, null);

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string user, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Aws.MintTokenAsync(user));
        request.Headers.TryAddWithoutValidation("X-Organization-Id", "acme");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await Client.SendAsync(request);
        return response.StatusCode;
    }
}
