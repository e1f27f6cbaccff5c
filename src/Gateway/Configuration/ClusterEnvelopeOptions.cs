namespace Gateway.Configuration;

/// <summary>Envelope keys for one YARP cluster: the gateway encrypts with <see cref="Current"/>; backends also accept <see cref="Previous"/> during rotation.</summary>
internal sealed class ClusterEnvelopeOptions
{
    public GatewayEnvelopeKeyOptions? Current { get; set; }

    public GatewayEnvelopeKeyOptions? Previous { get; set; }
}
