using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Gateway.Configuration;

/// <summary>Tells the <see cref="EnvelopeOptions"/> monitor that envelope keys read from SSM changed (<see cref="EnvelopeKeyParameterRefresher"/>).</summary>
internal sealed class EnvelopeKeyParameterChangeTokenSource(EnvelopeKeyParameters parameters) : IOptionsChangeTokenSource<EnvelopeOptions>
{
    public string? Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => parameters.GetChangeToken();
}
