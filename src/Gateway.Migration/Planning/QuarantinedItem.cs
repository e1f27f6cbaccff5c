namespace Gateway.Migration.Planning;

/// <summary>A legacy item that cannot be assigned to one organization: its key (as text) and why.</summary>
internal sealed record QuarantinedItem(string Key, string Reason);
