using Gateway.Envelopes;

namespace Gateway.Configuration;

/// <summary>Envelope keys for one YARP cluster: the gateway encrypts with <see cref="Current"/>; backends also accept <see cref="Previous"/> during rotation.</summary>
internal sealed class ClusterEnvelopeOptions
{
    public EnvelopeKeyOptions? Current { get; set; }

    public EnvelopeKeyOptions? Previous { get; set; }
}
