using Gateway.Policies.Evaluation;

namespace Gateway.Policies.Tests.Evaluation;

public class RequestContextTests
{
    [Fact]
    public void TryGetValues_KeyNamesAreCaseInsensitive()
    {
        var context = TestData.Context(("aws:PrincipalTag/organizationId", ["acme"]));

        Assert.True(context.TryGetValues("AWS:principaltag/ORGANIZATIONID", out var values));
        Assert.Equal(["acme"], values);
        Assert.False(context.TryGetValues("aws:username", out _));
    }

    [Fact]
    public void With_LayersKeysOverTheOriginal_WithoutChangingIt()
    {
        var principal = TestData.Context(("aws:username", ["alice"]), ("dynamodb:LeadingKeys", ["stale"]));

        var merged = principal.With(new Dictionary<string, IReadOnlyList<string>> { ["dynamodb:leadingkeys"] = ["acme"] });

        Assert.True(merged.TryGetValues("dynamodb:LeadingKeys", out var keys));
        Assert.Equal(["acme"], keys);
        Assert.True(merged.TryGetValues("aws:username", out var user));
        Assert.Equal(["alice"], user);
        Assert.True(principal.TryGetValues("dynamodb:LeadingKeys", out var original));
        Assert.Equal(["stale"], original);
    }

    [Fact]
    public void Constructor_CopiesTheDictionary()
    {
        var source = new Dictionary<string, IReadOnlyList<string>> { ["k"] = ["a"] };
        var context = new RequestContext(source);

        source["k"] = ["b"];

        Assert.True(context.TryGetValues("k", out var values));
        Assert.Equal(["a"], values);
    }
}
