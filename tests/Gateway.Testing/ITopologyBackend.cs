namespace Gateway.Testing;

/// <summary>
/// A backend a test starts itself (e.g. an in-process echo server) for <see cref="GatewayTopology"/> to route a gateway
/// cluster to; the topology stops it after the gateway.
/// </summary>
public interface ITopologyBackend : IAsyncDisposable
{
    /// <summary>Where the gateway forwards to, e.g. <c>http://127.0.0.1:PORT/</c>.</summary>
    Uri Address { get; }
}
