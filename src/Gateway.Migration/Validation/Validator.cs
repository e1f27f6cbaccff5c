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
            // The scoped session must see exactly what the operator's unscoped read of the target sees: a content
            // mismatch between legacy and target is reported as such, not as an isolation failure.
            var check = await isolation.CheckAsync(plan, organization, Neighbour(all, organization), t, ct).ConfigureAwait(false);
            var (missing, only, changed) = l.Compare(t);
            results[i] = new OrganizationValidation
            {
                OrganizationId = organization,
                LegacyItems = l.Count,
                TargetItems = t.Count,
                LegacyHash = l.Hash,
                TargetHash = t.Hash,
                DifferingKeys = l.SameAs(t) ? [] : l.Differences(t, 10),
                MissingInTarget = missing,
                OnlyInTarget = only,
                Changed = changed,
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
