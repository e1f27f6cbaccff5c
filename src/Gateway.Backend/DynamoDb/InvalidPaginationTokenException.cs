namespace Gateway.Backend.DynamoDb;

/// <summary>
/// A pagination token handed to <see cref="TenantTable.QueryPageAsync"/> is not one this table wrote for this
/// organization and query (malformed, tampered, another organization's keys, another table or index, another order,
/// or written before the organization's shard count changed). Nothing was queried. Map it to 400.
/// </summary>
public sealed class InvalidPaginationTokenException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public InvalidPaginationTokenException()
        : base("The pagination token is not valid for this query.")
    {
    }

    /// <summary>Creates the exception with a log-safe reason (never the token itself).</summary>
    public InvalidPaginationTokenException(string reason)
        : base($"The pagination token is not valid for this query: {reason}.")
    {
    }

    /// <summary>Creates the exception with a reason and the underlying failure.</summary>
    public InvalidPaginationTokenException(string reason, Exception innerException)
        : base($"The pagination token is not valid for this query: {reason}.", innerException)
    {
    }
}
