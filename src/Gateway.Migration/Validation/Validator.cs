using Amazon.DynamoDBv2;
using Gateway.Migration.Planning;

namespace Gateway.Migration.Validation;

/// <summary>Compares legacy and target per organization (count, content hash, differing keys) and runs the isolation check.</summary>
internal static class Validator
{
    public const int IsolationParallelism = 8;

    public static async Task<List<OrganizationValidation>> ValidateAsync(IAmazonDynamoDB dynamoDb, MigrationPlan plan, IReadOnlyList<string> organizations, IsolationChecker isolation, int segments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(isolation);
        var legacy = await Snapshots.ReadLegacyAsync(dynamoDb, plan, organizations, segments, cancellationToken).ConfigureAwait(false);
        var target = await Snapshots.ReadTargetAsync(dynamoDb, plan, organizations, segments, cancellationToken).ConfigureAwait(false);
        var all = plan.Organizations.Keys.ToList();
        var results = new OrganizationValidation[organizations.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, organizations.Count), new ParallelOptions { MaxDegreeOfParallelism = IsolationParallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var organization = organizations[i];
            var l = legacy[organization];
            var t = target[organization];
            var check = await isolation.CheckAsync(plan, organization, Neighbour(all, organization), l, ct).ConfigureAwait(false);
            results[i] = new OrganizationValidation
            {
                OrganizationId = organization,
                LegacyItems = l.Count,
                TargetItems = t.Count,
                LegacyHash = l.Hash,
                TargetHash = t.Hash,
                DifferingKeys = l.SameAs(t) ? [] : l.Differences(t, 10),
                Isolation = check,
            };
        }).ConfigureAwait(false);
        return [.. results];
    }

    /// <summary>The next organization of the plan (wrapping), or a canary id for a plan with one organization.</summary>
    public static string Neighbour(IReadOnlyList<string> all, string organization)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (all.Count < 2)
        {
            return organization == "zz-migration-neighbour" ? "zz-migration-neighbour-2" : "zz-migration-neighbour";
        }

        var index = all.ToList().BinarySearch(organization, StringComparer.Ordinal);
        return all[index < 0 ? 0 : (index + 1) % all.Count];
    }
}
