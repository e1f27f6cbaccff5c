namespace Gateway.Tests.EndToEnd;

/// <summary>The end-to-end collection: one <see cref="GatewayStackFixture"/> shared by its tests, which run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayStackDefinition : ICollectionFixture<GatewayStackFixture>
{
    public const string Name = "gateway-stack";
}
