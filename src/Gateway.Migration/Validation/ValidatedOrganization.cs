namespace Gateway.Migration.Validation;

/// <summary>An organization that passed validation: its legacy item count and content hash at that time.</summary>
internal sealed record ValidatedOrganization(long LegacyItems, string LegacyHash, DateTimeOffset ValidatedAt);
