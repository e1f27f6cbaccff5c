namespace Gateway.Tests.Fleet;

/// <summary>The fleet tests share one <see cref="FleetFixture"/> (three gateways + Redis) and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class FleetGroup : ICollectionFixture<FleetFixture>
{
    public const string Name = "Fleet";
}
