namespace Gateway.Tests.EndToEnd;

/// <summary>The observability tests share one <see cref="ObservabilityFixture"/> topology.</summary>
[CollectionDefinition(Name)]
public sealed class ObservabilityTests : ICollectionFixture<ObservabilityFixture>
{
    public const string Name = "observability";
}
