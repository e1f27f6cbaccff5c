using Microsoft.Extensions.Options;

namespace Gateway.Configuration;

/// <summary>Fills <see cref="GatewayEnvelopeKeyOptions.Key"/> from the values read from SSM, for keys configured by <see cref="GatewayEnvelopeKeyOptions.Parameter"/> only.</summary>
internal sealed class EnvelopeKeyParameterPostConfigure(EnvelopeKeyParameters parameters) : IPostConfigureOptions<EnvelopeOptions>
{
    public void PostConfigure(string? name, EnvelopeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var envelope in options.Clusters.Values)
        {
            Fill(envelope?.Current);
            Fill(envelope?.Previous);
        }
    }

    private void Fill(GatewayEnvelopeKeyOptions? key)
    {
        if (key is { Parameter: { Length: > 0 } parameter } && string.IsNullOrEmpty(key.Key) && parameters.TryGet(parameter, out var value))
        {
            key.Key = value;
            key.KeyFromParameter = true;
        }
    }
}
