namespace Gateway.Policies.SessionPolicies;

/// <summary>What a permission set grants on one tenant table.</summary>
public sealed record TableAccess
{
    public required string TableName { get; init; }

    /// <summary>Name of the attribute that holds the organization id (the table's partition key).</summary>
    public required string PartitionKey { get; init; }

    public bool Read { get; init; }
    public bool Write { get; init; }

    /// <summary>Also grant the same actions on <c>table/T/index/*</c> (indexes whose partition key is the organization id).</summary>
    /// <remarks>IAM compares <c>dynamodb:LeadingKeys</c> with the <em>index's</em> partition key value: only use the
    /// wildcard when every index of the table is partitioned by the organization id, otherwise list them in
    /// <see cref="Indexes"/>.</remarks>
    public bool IncludeIndexes { get; init; } = true;

    /// <summary>When set (and <see cref="IncludeIndexes"/> is true), grant exactly these indexes
    /// (<c>table/T/index/I</c>) instead of <c>table/T/index/*</c>. List only indexes partitioned by the organization id.</summary>
    public IReadOnlyList<string>? Indexes { get; init; }

    /// <summary>Also grant the PartiQL actions matching Read/Write (PartiQLSelect; PartiQLInsert/Update/Delete).</summary>
    public bool PartiQL { get; init; }
}
