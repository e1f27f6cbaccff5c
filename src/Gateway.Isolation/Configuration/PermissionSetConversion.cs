using Gateway.Policies;
using Gateway.Policies.SessionPolicies;

namespace Gateway.Isolation.Configuration;

/// <summary>Turns <c>TenantIsolation</c> options into Gateway.Policies models: the AWS scope of ARNs and a <see cref="PermissionSet"/>.</summary>
internal static class PermissionSetConversion
{
    public static AwsScope CreateScope(TenantIsolationOptions options)
    {
        var parsed = RoleArn.TryParse(options.RoleArn, out var arn);
        return new AwsScope
        {
            Partition = parsed ? arn.Partition : "aws",
            Region = options.Aws.Region,
            AccountId = parsed ? arn.AccountId : "000000000000",
        };
    }

    public static PermissionSet ToPermissionSet(string name, PermissionSetOptions set, IReadOnlyDictionary<string, TenantTableOptions> tables)
    {
        var access = new List<TableAccess>(set.Tables.Count);
        foreach (var (tableName, level) in set.Tables)
        {
            tables.TryGetValue(tableName, out var table);
            access.Add(new TableAccess
            {
                TableName = tableName,
                PartitionKey = table?.PartitionKey ?? "organizationId",
                Read = level >= TableAccessLevel.Read,
                Write = level >= TableAccessLevel.ReadWrite,
                IncludeIndexes = table?.IncludeIndexes ?? true,
                Indexes = table?.Indexes is { Count: > 0 } indexes ? [.. indexes] : null,
                PartiQL = table?.PartiQL ?? false,
            });
        }

        return new PermissionSet { Name = name, Tables = access };
    }
}
