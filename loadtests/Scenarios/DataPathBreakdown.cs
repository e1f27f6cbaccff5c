using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using LoadTests.Engine;
using LoadTests.Stats;
using LoadTests.Topology;

namespace LoadTests.Scenarios;

/// <summary>
/// Where the time of a tenant query goes: the same Applications query (one organization's partition) sent round robin
/// (a) straight to dynalite, (b) to LocalAws with the admin key (SigV4 verify + policy evaluation + forward to dynalite),
/// (c) through the gateway and the sample API (authentication, membership, credentials, envelope, proxy hop, backend,
/// scoped SDK call to LocalAws). (a) is skipped when the runner did not start the topology.
/// </summary>
internal static class DataPathBreakdown
{
    public static async Task<ScenarioResult> RunAsync(
        ScenarioEnvironment environment, HttpClient client, IReadOnlyList<int> indexes, IReadOnlyDictionary<int, string> tokens,
        double rate, TimeSpan during, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var topology = environment.Topology;
        using var viaLocalAws = Client(topology.LocalAws, new BasicAWSCredentials(Seeder.AdminAccessKey, Seeder.AdminSecretKey));
        using var direct = topology.DynaliteUrl is { } dynalite ? Client(dynalite, new BasicAWSCredentials("AKIALOADTESTDIRECT01", "direct")) : null;
        var paths = direct is null ? 2 : 3;
        return await environment.Runner.RunAsync(new ScenarioDefinition
        {
            Name = "data-path",
            Load = LoadSimulation.Inject(rate, during),
            WarmUp = environment.Options.EffectiveWarmUp,
            Iteration = async ctx =>
            {
                var index = indexes[ctx.Random.Next(indexes.Count)];
                switch (ctx.Iteration % paths)
                {
                    case 0:
                        await TenantTraffic.ListAsync(ctx, "gateway+backend+localaws", client, topology.Gateway, index, tokens[index]).ConfigureAwait(false);
                        break;
                    case 1:
                        await QueryAsync(ctx, "localaws+dynalite", viaLocalAws, index).ConfigureAwait(false);
                        break;
                    default:
                        await QueryAsync(ctx, "dynalite", direct!, index).ConfigureAwait(false);
                        break;
                }
            },
        }, cancellationToken).ConfigureAwait(false);
    }

    private static Task<StepResponse> QueryAsync(ScenarioContext ctx, string step, AmazonDynamoDBClient client, int index) =>
        ctx.StepAsync(step, async ct =>
        {
            var response = await client.QueryAsync(new QueryRequest
            {
                TableName = "Applications",
                KeyConditionExpression = "organizationId = :o",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [":o"] = new() { S = Tenants.Organization(index) } },
            }, ct).ConfigureAwait(false);
            return StepResponse.Ok((int)response.HttpStatusCode, response.ContentLength);
        });

    private static AmazonDynamoDBClient Client(Uri url, AWSCredentials credentials) => new(credentials, new AmazonDynamoDBConfig
    {
        ServiceURL = url.ToString(),
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
        Timeout = TimeSpan.FromSeconds(10),
    });
}
