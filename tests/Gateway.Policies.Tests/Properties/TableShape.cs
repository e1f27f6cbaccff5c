using Gateway.Policies.DynamoDb;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Tests.Properties;

/// <summary>
/// A generated tenant table: its name, partition key (the organization id attribute) and sort key names, its indexes
/// (all partitioned by the organization id) and whether the permission set lists them explicitly or grants
/// <c>index/*</c>. <see cref="UnlistedIndex"/> exists on the table but is never in an explicit list.
/// </summary>
internal sealed record TableShape(string Table, string PartitionKey, string SortKey, string[] Indexes, string UnlistedIndex, bool ExplicitIndexes)
{
    /// <summary>read-write + PartiQL on this table, indexes granted as <c>index/*</c> or as the explicit list.</summary>
    public PermissionSet PermissionSet => new()
    {
        Name = "generated",
        Tables =
        [
            new TableAccess
            {
                TableName = Table,
                PartitionKey = PartitionKey,
                Read = true,
                Write = true,
                PartiQL = true,
                IncludeIndexes = true,
                Indexes = ExplicitIndexes ? Indexes : null,
            },
        ],
    };

    /// <summary>The key schema the analyzer sees: every index, listed or not, is partitioned by <see cref="PartitionKey"/>.</summary>
    public TableKeySchema? Schema(string table) => table == Table
        ? new TableKeySchema(Table, PartitionKey)
        {
            IndexPartitionKeys = Indexes.Append(UnlistedIndex).ToDictionary(i => i, _ => PartitionKey, StringComparer.Ordinal),
        }
        : null;

    public override string ToString()
        => $"{Table} pk={PartitionKey} sk={SortKey} indexes=[{string.Join(',', Indexes)}]{(ExplicitIndexes ? " explicit" : " index/*")} unlisted={UnlistedIndex}";
}
