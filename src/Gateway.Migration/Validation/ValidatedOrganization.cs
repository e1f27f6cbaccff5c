namespace Gateway.Migration.Validation;

/// <summary>
/// An organization that passed validation: its legacy item count and content hash at that time, and when a
/// <c>cutover</c> validated it and moved it to the partitioned table (null: validated, never cut over, or rolled back).
/// </summary>
internal sealed record ValidatedOrganization(long LegacyItems, string LegacyHash, DateTimeOffset ValidatedAt, DateTimeOffset? CutoverAt = null);
