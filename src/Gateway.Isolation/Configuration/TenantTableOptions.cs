namespace Gateway.Isolation.Configuration;

/// <summary>A tenant table: its partition key holds the organization id.</summary>
public sealed class TenantTableOptions
{
    /// <summary>Partition key attribute. Default organizationId.</summary>
    public string PartitionKey { get; set; } = "organizationId";

    /// <summary>
    /// Sort key attribute (a string), or not set when the table has none. Used by <c>verify</c> to write and remove its
    /// canary items (sort keys starting with <c>zz-verify#</c>); the session policy does not depend on it.
    /// </summary>
    public string? SortKey { get; set; }

    /// <summary>Also grant on <c>table/T/index/*</c> (indexes must use the same partition key). Default true.</summary>
    public bool IncludeIndexes { get; set; } = true;

    /// <summary>
    /// When set, grant exactly these indexes (<c>table/T/index/I</c>) instead of <c>table/T/index/*</c>. IAM compares
    /// <c>dynamodb:LeadingKeys</c> with the index's own partition key, so list only indexes partitioned by the
    /// organization id. Default: not set (all indexes, when <see cref="IncludeIndexes"/>).
    /// </summary>
    public IList<string>? Indexes { get; set; }

    /// <summary>Also grant the matching PartiQL actions. Default false.</summary>
    public bool PartiQL { get; set; }
}
