namespace Gateway.Envelopes.Tests;

/// <summary>Gateway.Envelopes is the ground floor: the BCL and Microsoft.IdentityModel only (no ASP.NET, AWS SDK or project of ours).</summary>
public sealed class AssemblyReferencesTests
{
    [Fact]
    public void GatewayEnvelopes_ReferencesOnlyTheBclAndIdentityModel()
    {
        var referenced = typeof(TenantEnvelopeWriter).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        var others = referenced.Where(name => !IsBcl(name) && !name.StartsWith("Microsoft.IdentityModel.", StringComparison.Ordinal)).ToList();

        Assert.Contains(referenced, name => name.StartsWith("Microsoft.IdentityModel.", StringComparison.Ordinal));
        Assert.Empty(others);
    }

    [Theory]
    [InlineData("System.Runtime", true)]
    [InlineData("System.Collections.Immutable", true)]
    [InlineData("netstandard", true)]
    [InlineData("Microsoft.AspNetCore.Http.Abstractions", false)]
    [InlineData("Microsoft.Extensions.Options", false)]
    [InlineData("AWSSDK.Core", false)]
    [InlineData("Gateway.Backend", false)]
    [InlineData("Gateway.Policies", false)]
    public void IsBcl_ClassifiesAssemblyNames(string name, bool bcl) => Assert.Equal(bcl, IsBcl(name));

    private static bool IsBcl(string name) =>
        name is "mscorlib" or "netstandard" || name.StartsWith("System.", StringComparison.Ordinal) || name == "System";
}
