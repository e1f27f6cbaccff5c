using Amazon.DynamoDBv2.Model;
using Gateway.Policies;

namespace Gateway.Migration.Items;

/// <summary>
/// Turns a legacy item into its target item: every attribute copied, the target's partition key set to the item's
/// organization (<see cref="OrganizationAttribute"/>, a valid <see cref="OrganizationId"/>, exactly one string value), the
/// target's sort key taken from <see cref="SortKeyFrom"/>. An item it cannot assign gets a reason instead.
/// </summary>
internal sealed class ItemMapper(string organizationAttribute, string? sortKeyFrom, KeyShape source, KeyShape target)
{
    public const string MissingReason = "organization attribute missing";
    public const string InvalidReason = "not a valid OrganizationId";
    public const string SeveralReason = "several organization values";
    public const string SetOrListReason = "a set or list, not one string";

    public string OrganizationAttribute { get; } = organizationAttribute;

    public string? SortKeyFrom { get; } = sortKeyFrom;

    public KeyShape Source { get; } = source;

    public KeyShape Target { get; } = target;

    /// <summary>The organization of <paramref name="item"/>, or the reason it has none.</summary>
    public bool TryGetOrganization(Dictionary<string, AttributeValue> item, out string organization, out string reason)
    {
        ArgumentNullException.ThrowIfNull(item);
        organization = string.Empty;
        reason = string.Empty;
        if (!item.TryGetValue(OrganizationAttribute, out var value) || value.NULL is true)
        {
            reason = MissingReason;
            return false;
        }

        if (value.SS is { Count: > 1 } || value.L is { Count: > 1 })
        {
            reason = SeveralReason;
            return false;
        }

        if (value.SS is { Count: > 0 } || value.L is { Count: > 0 })
        {
            // Quarantined, as documented: the organization must be one string. Cutover and validate read an
            // organization's legacy items with "attribute = string", so a one-element set or list copied here would
            // be invisible to them and deleted from the target at cutover.
            reason = SetOrListReason;
            return false;
        }

        var single = value.S;
        if (!OrganizationId.IsWellFormed(single))
        {
            reason = InvalidReason;
            return false;
        }

        organization = single;
        return true;
    }

    /// <summary>
    /// The target item for an assignable item, or null with <paramref name="problem"/> when the item has no value of the
    /// target sort key's type (a key-schema mismatch: bad input, not a quarantine).
    /// </summary>
    public Dictionary<string, AttributeValue>? ToTarget(Dictionary<string, AttributeValue> item, string organization, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(item);
        problem = null;
        var target = new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal)
        {
            [Target.PartitionKey] = new AttributeValue { S = organization },
        };
        if (Target.SortKey is { } sortKey)
        {
            var from = SortKeyFrom ?? sortKey;
            if (!item.TryGetValue(from, out var value) || TypeOf(value) != Target.SortKeyType)
            {
                problem = $"item {ItemCodec.KeyString(item, Source.Names)} has no {Target.SortKeyType} attribute '{from}' for the target sort key '{sortKey}'";
                return null;
            }

            target[sortKey] = value;
        }

        return target;
    }

    /// <summary>The target key of a target item.</summary>
    public Dictionary<string, AttributeValue> TargetKey(Dictionary<string, AttributeValue> targetItem)
    {
        ArgumentNullException.ThrowIfNull(targetItem);
        var key = new Dictionary<string, AttributeValue>(2, StringComparer.Ordinal) { [Target.PartitionKey] = targetItem[Target.PartitionKey] };
        if (Target.SortKey is { } sortKey)
        {
            key[sortKey] = targetItem[sortKey];
        }

        return key;
    }

    public Dictionary<string, AttributeValue> SourceKey(Dictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Source.Names.ToDictionary(n => n, n => item[n], StringComparer.Ordinal);
    }

    public static string? TypeOf(AttributeValue value) => value.S is not null ? "S" : value.N is not null ? "N" : value.B is not null ? "B" : null;
}
