using System.Globalization;
using System.Net.Http.Json;
using LoadTests.Engine;
using LoadTests.Stats;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>Legitimate tenant requests through the gateway, checked for cross-tenant content, and cache priming.</summary>
internal static class TenantTraffic
{
    /// <summary>GET /orgs/{org}/applications as the org's owner; ok = 2xx without any other organization's id (<see cref="Checked"/>).</summary>
    public static async Task<StepResponse> ListAsync(ScenarioContext context, string stepName, HttpClient client, Uri gateway, int index, string token)
    {
        ArgumentNullException.ThrowIfNull(context);
        var org = Tenants.Organization(index);
        return await context.StepAsync(stepName, async ct =>
        {
            var outcome = await HttpSteps.SendAsync(client, HttpSteps.Get(gateway, $"/orgs/{org}/applications", token), ct).ConfigureAwait(false);
            return Checked(context, outcome, org);
        }).ConfigureAwait(false);
    }

    /// <summary>POST /orgs/{org}/applications; ok = 2xx without any other organization's id.</summary>
    public static async Task<StepResponse> CreateAsync(ScenarioContext context, string stepName, HttpClient client, Uri gateway, int index, string token)
    {
        ArgumentNullException.ThrowIfNull(context);
        var org = Tenants.Organization(index);
        return await context.StepAsync(stepName, async ct =>
        {
            var request = HttpSteps.Get(gateway, $"/orgs/{org}/applications", token);
            request.Method = HttpMethod.Post;
            request.Content = JsonContent.Create(new { name = string.Create(CultureInfo.InvariantCulture, $"lt-{context.Iteration}-{Guid.NewGuid():N}") });
            var outcome = await HttpSteps.SendAsync(client, request, ct).ConfigureAwait(false);
            return Checked(context, outcome, org);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Touches every organization in <paramref name="indexes"/> once (cold caches → warm), closed model, bounded; through
    /// <paramref name="gateway"/> (default: the topology's gateway).
    /// </summary>
    public static Task<ScenarioResult> PrimeAsync(ScenarioEnvironment environment, string name, HttpClient client, IReadOnlyList<int> indexes, IReadOnlyDictionary<int, string> tokens, CancellationToken cancellationToken, Uri? gateway = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var target = gateway ?? environment.Topology.Gateway;
        return environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = name,
            Load = LoadSimulation.KeepConstant(Math.Min(8, indexes.Count), TimeSpan.FromSeconds(Math.Max(30, indexes.Count / 20.0))),
            MaxIterations = indexes.Count,
            Iteration = async ctx =>
            {
                var index = indexes[(int)ctx.Iteration];
                await ListAsync(ctx, "list (first touch)", client, target, index, tokens[index]).ConfigureAwait(false);
            },
        }, cancellationToken);
    }

    /// <summary>Mints (cached) tokens for the owners of <paramref name="indexes"/>.</summary>
    public static async Task<IReadOnlyDictionary<int, string>> TokensAsync(ScenarioEnvironment environment, IEnumerable<int> indexes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var list = indexes.ToList();
        await environment.LocalAws.MintManyAsync(list.Select(Tenants.User), cancellationToken).ConfigureAwait(false);
        var tokens = new Dictionary<int, string>();
        foreach (var index in list)
        {
            tokens[index] = await environment.LocalAws.TokenAsync(Tenants.User(index), cancellationToken).ConfigureAwait(false);
        }

        return tokens;
    }

    /// <summary>
    /// Another organization's id in the body is a cross-tenant response (<c>crossTenantResponses</c>); the backend's verdict
    /// on the tenant context is counted as well (<see cref="HttpSteps.CountTenantContext"/>: <c>unscoped</c>,
    /// <c>rejectedCredentials</c>).
    /// </summary>
    private static StepResponse Checked(ScenarioContext context, HttpOutcome outcome, string org)
    {
        HttpSteps.CountTenantContext(context, outcome);
        if (Tenants.FirstForeignOrganization(outcome.Body, org) is not null)
        {
            context.Count("crossTenantResponses");
            return StepResponse.Fail(outcome.StatusCode, "cross_tenant_content", outcome.Size);
        }

        return HttpSteps.ToStep(outcome);
    }
}
