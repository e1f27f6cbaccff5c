using Amazon.DynamoDBv2.Model;
using Gateway.Backend.Context;

namespace Gateway.Backend.DynamoDb;

/// <summary><c>tenant.Table("Applications", sortKeyName: "applicationId")</c>.</summary>
public static class TenantTableExtensions
{
    /// <summary>
    /// The caller's organization's view of a tenant table, over the scoped client, with the organization's shard count
    /// (<see cref="ITenantContext.Shards"/>). Give <paramref name="sortKeyName"/> (the table's sort key): a sharded
    /// organization's items are placed and merged by it.
    /// </summary>
    public static TenantTable Table(this ITenantContext tenant, string tableName, string partitionKeyName = "organizationId", string? sortKeyName = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new TenantTable(tenant.Dynamo, tenant.OrganizationId, tableName, partitionKeyName, sortKeyName, tenant.Shards);
    }

    /// <summary>The caller's organization's typed view of a tenant table.</summary>
    public static TenantTable<T> Table<T>(
        this ITenantContext tenant,
        string tableName,
        Func<Dictionary<string, AttributeValue>, T> read,
        Func<T, Dictionary<string, AttributeValue>> write,
        string partitionKeyName = "organizationId",
        string? sortKeyName = null)
        where T : class =>
        new(tenant.Table(tableName, partitionKeyName, sortKeyName), read, write);
}
