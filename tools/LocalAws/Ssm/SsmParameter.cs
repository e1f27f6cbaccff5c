namespace LocalAws.Ssm;

/// <summary>One stored parameter. <see cref="ToString"/> never shows <see cref="Value"/>.</summary>
internal sealed record SsmParameter(string Name, string Type, string Value, string Arn, DateTimeOffset LastModified)
{
    public override string ToString() => $"SsmParameter {{ Name = {Name}, Type = {Type}, Value = [redacted] }}";
}
