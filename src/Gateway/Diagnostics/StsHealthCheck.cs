using Gateway.Credentials;

namespace Gateway.Diagnostics;

/// <summary>Ready when STS answers GetCallerIdentity with the gateway's own credentials.</summary>
internal sealed class StsHealthCheck(ICredentialIssuer issuer, TimeProvider time) : DependencyHealthCheck(time)
{
    protected override string Name => "STS";

    protected override Task ProbeAsync(CancellationToken cancellationToken) => issuer.CheckReachableAsync(cancellationToken);
}
