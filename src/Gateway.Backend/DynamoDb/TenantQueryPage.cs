namespace Gateway.Backend.DynamoDb;

/// <summary>One page of a <see cref="TenantTable.QueryPageAsync"/>: items in sort-key order across every shard.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">At most <see cref="TenantQuery.Limit"/> items.</param>
/// <param name="PaginationToken">
/// Opaque; pass it back as <see cref="TenantQuery.PaginationToken"/> for the next page; null when there is none.
/// </param>
public sealed record TenantQueryPage<T>(IReadOnlyList<T> Items, string? PaginationToken);
