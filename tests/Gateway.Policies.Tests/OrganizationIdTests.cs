namespace Gateway.Policies.Tests;

public class OrganizationIdTests
{
    [Theory]
    [InlineData("acme")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("org-a")]
    [InlineData("Org_1.eu-west")]
    [InlineData("1234567890123456789012345678901234567890123456789012345678901234")]
    public void TryParse_ValidId_Succeeds(string value)
    {
        Assert.True(OrganizationId.TryParse(value, out var id));
        Assert.Equal(value, id.Value);
        Assert.Equal(value, id.ToString());
        Assert.True(id.IsValid);
        Assert.Equal(id, OrganizationId.Parse(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-acme")]
    [InlineData(".acme")]
    [InlineData("_acme")]
    [InlineData("ac*me")]
    [InlineData("acme?")]
    [InlineData("ac\"me")]
    [InlineData("ac\\me")]
    [InlineData("ac/me")]
    [InlineData("ac:me")]
    [InlineData("${aws:username}")]
    [InlineData("ac me")]
    [InlineData("acme\n")]
    [InlineData("acme\u0000")]
    [InlineData("acmé")]
    [InlineData("org-1\"],\"dynamodb:LeadingKeys\":[\"*")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345")]
    public void TryParse_InvalidId_Fails(string? value)
    {
        Assert.False(OrganizationId.TryParse(value, out var id));
        Assert.False(id.IsValid);
    }

    [Fact]
    public void Parse_InvalidId_ThrowsWithoutEchoingInput()
    {
        var ex = Assert.Throws<FormatException>(() => OrganizationId.Parse("secret\"value"));

        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_HasEmptyToString_AndIsNotValid()
    {
        OrganizationId id = default;

        Assert.Equal(string.Empty, id.ToString());
        Assert.False(id.IsValid);
    }
}
