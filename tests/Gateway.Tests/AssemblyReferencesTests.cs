using Gateway.Configuration;

namespace Gateway.Tests;

/// <summary>The gateway takes the envelope format from Gateway.Envelopes, never from the backends' library.</summary>
public sealed class AssemblyReferencesTests
{
    [Fact]
    public void Gateway_ReferencesGatewayEnvelopesButNotGatewayBackend()
    {
        var referenced = typeof(TenantIsolationOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("Gateway.Envelopes", referenced);
        Assert.DoesNotContain("Gateway.Backend", referenced);
    }
}
