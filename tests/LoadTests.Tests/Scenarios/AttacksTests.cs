using Gateway.Envelopes;
using LoadTests.Engine;
using LoadTests.Scenarios;
using LoadTests.Stats;

namespace LoadTests.Tests.Scenarios;

public sealed class AttacksTests
{
    private const string Jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsdHUtMDAwMDAwMSJ9.c2lnbmF0dXJlLWJ5dGVz";

    [Fact]
    public void All_CoverTheIssueKinds()
    {
        var names = Attacks.All.Select(a => a.Name).ToList();

        Assert.Contains("cross-org-path", names);
        Assert.Contains("cross-org-header", names);
        Assert.Contains("spoofed-envelope", names);
        Assert.Contains("unsafe-endpoint", names);
        Assert.Contains("tampered-token", names);
        Assert.Contains("expired-token", names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Build_EveryAttack_TargetsTheGatewayOnLoopback()
    {
        var target = new AttackTarget(new Uri("http://127.0.0.1:5000/"), "lto-0000001", Jwt, "lto-0000002", new AttackMaterial("expired", org => "forged-" + org));

        foreach (var attack in Attacks.All)
        {
            using var request = attack.Build(target);
            Assert.Equal("127.0.0.1", request.RequestUri!.Host);
            Assert.Equal(5000, request.RequestUri.Port);
        }
    }

    [Fact]
    public void TamperedTokens_DifferFromTheOriginalButKeepTheShape()
    {
        Assert.NotEqual(Jwt, Attacks.TamperPayload(Jwt));
        Assert.Equal(Jwt.Split('.')[2], Attacks.TamperPayload(Jwt).Split('.')[2]);
        Assert.NotEqual(Jwt, Attacks.FlipSignature(Jwt));
        Assert.Equal(Jwt.Split('.')[1], Attacks.FlipSignature(Jwt).Split('.')[1]);
        Assert.EndsWith(".", Attacks.AlgNone(Jwt), StringComparison.Ordinal);
    }

    [Fact]
    public void EnvelopeForger_WritesAnEnvelopeTheLocalKeyOpensForTheVictim()
    {
        var forged = Attacks.EnvelopeForger(TimeProvider.System)("lto-0000002");
        var reader = new TenantEnvelopeReader([EnvelopeKey.FromBase64(DevelopmentEnvelopeKeys.LocalKeyId, DevelopmentEnvelopeKeys.LocalKeyBase64)], "tenant-gateway", "applications", TimeProvider.System);

        var result = reader.Read(forged);

        Assert.True(result.Succeeded);
        Assert.Equal("lto-0000002", result.Envelope!.OrganizationId);
    }

    [Theory]
    [InlineData(200, """[{"organizationId":"lto-0000001"}]""", "LEAK_2xx")]
    [InlineData(403, """{"code":"not_a_member","detail":"lto-0000002"}""", "LEAK_foreign_id")]
    public void Judge_LeakedAttack_FailsAndCountsALeak(int status, string body, string code)
    {
        var stats = new StatsCollector(0);
        var context = new ScenarioContext(stats, 0, -1, 0, TimeSpan.FromSeconds(1), CancellationToken.None);

        var step = IsolationScenario.Judge(context, new HttpOutcome(status, HttpSteps.ProblemCode(body), false, body, body.Length), "lto-0000001");

        Assert.False(step.IsOk);
        Assert.Equal(code, step.ErrorCode);
        Assert.Equal(1, stats.SnapshotCounters()["leaks"]);
    }

    [Fact]
    public void Judge_DeniedAttack_IsOkAndNoLeak()
    {
        var stats = new StatsCollector(0);
        var context = new ScenarioContext(stats, 0, -1, 0, TimeSpan.FromSeconds(1), CancellationToken.None);
        const string body = """{"code":"not_a_member"}""";

        var step = IsolationScenario.Judge(context, new HttpOutcome(403, "not_a_member", false, body, body.Length), "lto-0000001");

        Assert.True(step.IsOk);
        Assert.Equal("not_a_member", step.ErrorCode);
        Assert.False(stats.SnapshotCounters().ContainsKey("leaks"));
    }

    [Fact]
    public void Judge_ServerErrorOnAttack_FailsButIsNotALeak()
    {
        var stats = new StatsCollector(0);
        var context = new ScenarioContext(stats, 0, -1, 0, TimeSpan.FromSeconds(1), CancellationToken.None);

        var step = IsolationScenario.Judge(context, new HttpOutcome(502, null, false, "", 0), "lto-0000001");

        Assert.False(step.IsOk);
        Assert.Equal("http_502", step.ErrorCode);
        Assert.False(stats.SnapshotCounters().ContainsKey("leaks"));
    }
}
