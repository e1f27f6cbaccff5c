using Gateway.Routing;

namespace Gateway.Tests.Routing;

public sealed class PathGuardTests
{
    [Theory]
    [InlineData("/api/../admin")]
    [InlineData("/api/./applications")]
    [InlineData("/api/applications/..")]
    [InlineData("/orgs/acme/%2e%2e/globex/applications")]
    [InlineData("/orgs/acme/%2E%2E/x")]
    [InlineData("/orgs/acme%2fglobex/applications")]
    [InlineData("/orgs/acme%2Fglobex/applications")]
    [InlineData("/orgs/acme%5cglobex/applications")]
    [InlineData("/orgs/acme\\globex/applications")]
    [InlineData("/orgs/acme/%252e%252e/x")]
    [InlineData("/api/applications%00")]
    [InlineData("/api/.%2e/x")]
    // Malformed escapes: Kestrel leaves a '%' that does not start a valid escape and decodes the rest, so
    // "%%32%65" reaches routing as the literal "%2e" (double encoding without %25).
    [InlineData("/api/%%32%65%%32%65/orgs/globex/applications")]
    [InlineData("/orgs/acme/%%32%66globex/applications")]
    [InlineData("/api/applications%zz")]
    [InlineData("/api/applications%2")]
    [InlineData("/api/applications%")]
    public void IsAmbiguous_AttackPaths_True(string target) => Assert.True(PathGuard.IsAmbiguous(target));

    [Theory]
    [InlineData("/api/applications")]
    [InlineData("/orgs/acme/applications/app-1001")]
    [InlineData("/api/applications?next=../x&q=%2e%2e")] // the query is not the path
    [InlineData("/api/files/report.v2..final")]
    [InlineData("/api/a%20b")]
    [InlineData("/api/caf%C3%A9")]
    [InlineData("/api/applications?q=%zz%")] // the query is not the path
    [InlineData("/")]
    [InlineData("")]
    public void IsAmbiguous_OrdinaryPaths_False(string target) => Assert.False(PathGuard.IsAmbiguous(target));
}
