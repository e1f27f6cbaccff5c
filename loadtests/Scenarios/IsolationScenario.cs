using System.Globalization;
using LoadTests.Engine;
using LoadTests.Reports;
using LoadTests.Thresholds;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// Legitimate traffic mixed with attacks at a fixed share (25 %), open model. Every response is checked: an attack
/// leaks when it gets a 2xx or any body containing another organization's id; legitimate responses must succeed and
/// carry no other organization's id either. Thresholds: leaks == 0, legitimate success ≥ 99.9 %, attacks &gt; 0.
/// </summary>
internal sealed class IsolationScenario : ILoadScenario
{
    public const double DefaultRate = 100;
    public const int DefaultOrganizations = 200;
    public const double AttackShare = 0.25;

    public string Name => "isolation";

    public async Task<ScenarioReport> RunAsync(ScenarioEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = environment.Options;
        var organizations = Math.Clamp(options.Organizations ?? DefaultOrganizations, 2, 2000);
        var rate = options.Rate ?? DefaultRate;
        await environment.Seeder.EnsureAsync(organizations, cancellationToken).ConfigureAwait(false);
        var indexes = Enumerable.Range(1, organizations).ToList();
        var tokens = await TenantTraffic.TokensAsync(environment, indexes, cancellationToken).ConfigureAwait(false);
        var client = environment.CreateClient(options.Connections ?? 256);
        var gateway = environment.Topology.Gateway;
        var material = new AttackMaterial(
            await environment.LocalAws.MintAsync(Tenants.User(1), -120, null, cancellationToken).ConfigureAwait(false),
            Attacks.EnvelopeForger(TimeProvider.System));
        var attacks = Attacks.All;

        var prime = await TenantTraffic.PrimeAsync(environment, "prime", client, indexes, tokens, cancellationToken).ConfigureAwait(false);
        var mixed = await environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = "mixed",
            Load = LoadSimulation.Inject(rate, options.Duration),
            WarmUp = options.EffectiveWarmUp,
            Iteration = async ctx =>
            {
                var a = indexes[ctx.Random.Next(indexes.Count)];
                if (ctx.Random.NextDouble() >= AttackShare)
                {
                    if (ctx.Random.NextDouble() < 0.5)
                    {
                        await TenantTraffic.ListAsync(ctx, "legit/orgs-path", client, gateway, a, tokens[a]).ConfigureAwait(false);
                    }
                    else
                    {
                        await LegitApiAsync(ctx, client, gateway, a, tokens[a]).ConfigureAwait(false);
                    }

                    return;
                }

                var v = indexes[(a + ctx.Random.Next(1, indexes.Count) - 1) % indexes.Count];
                var attack = attacks[(int)(ctx.Iteration % attacks.Count)];
                var target = new AttackTarget(gateway, Tenants.Organization(a), tokens[a], Tenants.Organization(v), material);
                await ctx.StepAsync("attack/" + attack.Name, async ct =>
                {
                    ctx.Count("attacks");
                    var outcome = await HttpSteps.SendAsync(client, attack.Build(target), ct).ConfigureAwait(false);
                    return Judge(ctx, outcome, target.AttackerOrganization);
                }).ConfigureAwait(false);
            },
        }, cancellationToken).ConfigureAwait(false);

        var legit = mixed.Steps.Where(s => s.Name.StartsWith("legit/", StringComparison.Ordinal)).ToList();
        var legitRequests = legit.Sum(s => s.Requests);
        var legitOkPercent = legitRequests == 0 ? 0 : 100.0 * legit.Sum(s => s.Ok) / legitRequests;
        var counters = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["attacks"] = mixed.Counter("attacks"),
            ["leaks"] = mixed.Counter("leaks"),
            ["leaks.2xx"] = mixed.Counter("leaks.2xx"),
            ["leaks.foreignId"] = mixed.Counter("leaks.foreignId"),
            ["crossTenantResponses"] = prime.Counter("crossTenantResponses") + mixed.Counter("crossTenantResponses"),
            ["legitRequests"] = legitRequests,
        };
        var report = new ScenarioReport
        {
            Name = Name,
            Description = string.Create(CultureInfo.InvariantCulture,
                $"{organizations} organizations; open model at {rate:0} req/s, {AttackShare:P0} attacks ({attacks.Count} kinds, round robin): ")
                + string.Join("; ", attacks.Select(x => $"{x.Name}: {x.Description}"))
                + ". A leak is an attack answered 2xx or with any other organization's id in the body.",
            Phases = [prime, mixed],
            Counters = counters,
            Metrics = new Dictionary<string, double>(StringComparer.Ordinal) { ["legitOkPercent"] = Math.Round(legitOkPercent, 3) },
        };
        return report.WithThresholds(
        [
            Threshold.Metric("leaks", Comparison.Equal, 0),
            Threshold.Metric("crossTenantResponses", Comparison.Equal, 0),
            Threshold.Metric("attacks", Comparison.GreaterThan, 0),
            Threshold.Metric("legitOkPercent", Comparison.GreaterOrEqual, 99.9),
        ]);
    }

    /// <summary>Attack outcome: leak (2xx or foreign id) → failed + counted; 4xx → ok (denied); anything else → failed, not a leak.</summary>
    internal static StepResponse Judge(ScenarioContext context, HttpOutcome outcome, string attackerOrganization)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(outcome);
        var foreign = Tenants.FirstForeignOrganization(outcome.Body, attackerOrganization) is not null;
        if (outcome.IsSuccess || foreign)
        {
            context.Count("leaks");
            context.Count(outcome.IsSuccess ? "leaks.2xx" : "leaks.foreignId");
            return StepResponse.Fail(outcome.StatusCode, outcome.IsSuccess ? "LEAK_2xx" : "LEAK_foreign_id", outcome.Size);
        }

        var code = outcome.Code ?? "http_" + outcome.StatusCode.ToString(CultureInfo.InvariantCulture);
        return outcome.StatusCode is >= 400 and < 500
            ? StepResponse.Ok(outcome.StatusCode, outcome.Size, code)
            : StepResponse.Fail(outcome.StatusCode, code, outcome.Size);
    }

    private static Task<StepResponse> LegitApiAsync(ScenarioContext ctx, HttpClient client, Uri gateway, int index, string token)
    {
        var org = Tenants.Organization(index);
        return ctx.StepAsync("legit/api-header", async ct =>
        {
            var request = HttpSteps.Get(gateway, "/api/applications", token);
            request.Headers.TryAddWithoutValidation("X-Organization-Id", org);
            var outcome = await HttpSteps.SendAsync(client, request, ct).ConfigureAwait(false);
            if (Tenants.FirstForeignOrganization(outcome.Body, org) is not null)
            {
                ctx.Count("crossTenantResponses");
                return StepResponse.Fail(outcome.StatusCode, "cross_tenant_content", outcome.Size);
            }

            return HttpSteps.ToStep(outcome);
        });
    }
}
