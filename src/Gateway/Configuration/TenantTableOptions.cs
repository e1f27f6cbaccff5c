namespace Gateway.Configuration;

/// <summary>A tenant table: its partition key holds the organization id.</summary>
internal sealed class TenantTableOptions
{
    /// <summary>Partition key attribute. Default organizationId.</summary>
    public string PartitionKey { get; set; } = "organizationId";

    /// <summary>Also grant on <c>table/T/index/*</c> (indexes must use the same partition key). Default true.</summary>
    public bool IncludeIndexes { get; set; } = true;

    /// <summary>Also grant the matching PartiQL actions. Default false.</summary>
    public bool PartiQL { get; set; }
}
