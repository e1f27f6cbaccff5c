using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.DynamoDb;
using Gateway.Isolation.Configuration;
using Gateway.Migration.Invocation;

namespace Gateway.Migration.Sharding;

/// <summary>
/// What the organizations item says about an organization's shards: its status, its shard count
/// (<c>TenantIsolation:Membership:ShardsAttribute</c>, absent = 1) and, while a reshard is under way, the reshard's
/// progress (<see cref="FromAttribute"/>, <see cref="ToAttribute"/>, and once the shard count was flipped the validated
/// count and hash). The progress lives on the item itself, so a reshard interrupted anywhere is resumed by running the
/// same command again, from any machine.
/// </summary>
internal sealed record ShardState(string? Status, int Shards, int? From, int? To, long? ValidatedItems, string? ValidatedHash)
{
    /// <summary>The shard count a reshard under way started from (number attribute of the organizations item).</summary>
    public const string FromAttribute = "reshardFrom";

    /// <summary>The shard count a reshard under way goes to (number attribute of the organizations item).</summary>
    public const string ToAttribute = "reshardTo";

    /// <summary>The number of items validated in the new keys, written with the flip.</summary>
    public const string ItemsAttribute = "reshardItems";

    /// <summary>Their content hash (validate's order-independent hash, partition key read as the organization id), written with the flip.</summary>
    public const string HashAttribute = "reshardHash";

    public static readonly string[] ProgressAttributes = [FromAttribute, ToAttribute, ItemsAttribute, HashAttribute];

    public bool InProgress => From is not null && To is not null;

    /// <summary>True once the shard count on the item is the target's (the old keys may still hold items to delete).</summary>
    public bool Flipped => InProgress && Shards == To;

    /// <summary>Null when the organization has no item in the organizations table.</summary>
    /// <exception cref="UsageException">The shard count or the reshard progress on the item is not a valid shard count.</exception>
    public static async Task<ShardState?> ReadAsync(IAmazonDynamoDB dynamoDb, MembershipOptions membership, string organization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentNullException.ThrowIfNull(membership);
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = membership.OrganizationsTable,
            Key = new Dictionary<string, AttributeValue> { [membership.OrganizationsKeyAttribute] = new AttributeValue { S = organization } },
            ConsistentRead = true,
        }, cancellationToken).ConfigureAwait(false);
        if (response.Item is not { Count: > 0 } item)
        {
            return null;
        }

        var status = item.TryGetValue(membership.StatusAttribute, out var s) ? s.S ?? "(no status)" : "(no status)";
        var shards = Count(item, membership.ShardsAttribute, membership.OrganizationsTable, organization) ?? 1;
        var from = Count(item, FromAttribute, membership.OrganizationsTable, organization);
        var to = Count(item, ToAttribute, membership.OrganizationsTable, organization);
        long? items = item.TryGetValue(ItemsAttribute, out var n) && long.TryParse(n.N, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        var hash = item.TryGetValue(HashAttribute, out var h) ? h.S : null;
        return new ShardState(status, shards, from, to, items, hash);
    }

    /// <summary>
    /// The migration verbs that map legacy onto the unsharded key <c>{organization}</c> (copy, validate, cutover,
    /// rollback: legacy has no shards) refuse, before anything is written, an organization of <paramref name="organizations"/>
    /// with more than one shard or a reshard under way — they would write, compare or route only part of its items.
    /// The line names the first such organization (and how many there are), then what <paramref name="consequence"/> says of it.
    /// </summary>
    /// <exception cref="UsageException">Sharded or resharding (exit 2).</exception>
    public static async Task RequireUnshardedAsync(string verb, IAmazonDynamoDB dynamoDb, MembershipOptions membership, IReadOnlyList<string> organizations, Func<string, string> consequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organizations);
        ArgumentNullException.ThrowIfNull(consequence);
        var states = new ShardState?[organizations.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, organizations.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, token) => states[i] = await ReadAsync(dynamoDb, membership, organizations[i], token).ConfigureAwait(false)).ConfigureAwait(false);
        var sharded = Enumerable.Range(0, organizations.Count).Where(i => states[i] is { } state && (state.Shards != 1 || state.InProgress)).ToList();
        if (sharded.Count == 0)
        {
            return;
        }

        var c = CultureInfo.InvariantCulture;
        var (organization, first) = (organizations[sharded[0]], states[sharded[0]]!);
        var what = first.InProgress
            ? string.Create(c, $"has a reshard from {first.From} to {first.To} shards under way")
            : string.Create(c, $"has {first.Shards} shards on the partitioned table");
        var others = sharded.Count > 1 ? string.Create(c, $" (and {sharded.Count - 1} more of the {organizations.Count} selected)") : string.Empty;
        throw new UsageException($"{verb}: organization '{organization}' {what}{others}; {consequence(organization)}. Finish with reshard --organization {organization} --shards 1 first");
    }

    /// <summary>A valid shard count, or a bad-input line naming the attribute and the value.</summary>
    public static int ParseShards(string verb, string option, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && TenantShards.IsValidShardCount(n)
            ? n
            : throw new UsageException($"{verb}: {option} must be 1 or a power of two up to {TenantShards.MaxShards} (1, 2, 4, 8, 16, 32, 64; was '{CommandLine.Truncate(value)}')");

    private static int? Count(Dictionary<string, AttributeValue> item, string attribute, string table, string organization)
    {
        if (!item.TryGetValue(attribute, out var value))
        {
            return null;
        }

        return int.TryParse(value.N, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && TenantShards.IsValidShardCount(n)
            ? n
            : throw new UsageException($"organization '{organization}' has {attribute} = '{CommandLine.Truncate(value.N ?? value.S ?? "(not a number)")}' in {table}, not a valid shard count (1 or a power of two up to {TenantShards.MaxShards}); fix the item first");
    }
}
