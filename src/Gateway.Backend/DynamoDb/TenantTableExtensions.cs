using Gateway.Backend.Context;

namespace Gateway.Backend.DynamoDb;

/// <summary><c>tenant.Table("Applications")</c>.</summary>
public static class TenantTableExtensions
{
    /// <summary>The caller's organization's view of a tenant table, over the scoped client.</summary>
    public static TenantTable Table(this ITenantContext tenant, string tableName, string partitionKeyName = "organizationId")
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new TenantTable(tenant.Dynamo, tenant.OrganizationId, tableName, partitionKeyName);
    }

    /// <summary>The caller's organization's typed view of a tenant table.</summary>
    public static TenantTable<T> Table<T>(
        this ITenantContext tenant,
        string tableName,
        Func<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>, T> read,
        Func<T, Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>> write,
        string partitionKeyName = "organizationId")
        where T : class =>
        new(tenant.Table(tableName, partitionKeyName), read, write);
}
