using Gateway.Policies.SessionPolicies;

namespace Gateway.Policies.Tests.SessionPolicies;

public class SessionNamesTests
{
    [Theory]
    [InlineData("acme", null, "acme+read-write")]
    [InlineData("acme", "alice", "acme+read-write@alice")]
    [InlineData("acme", "alice@example.com", "acme+read-write@alice@example.com")]
    [InlineData("org.eu-1_x", "u+1=2,3", "org.eu-1_x+read-write@u+1=2,3")]
    public void RoleSessionName_ValidInput_IsKeptVerbatim(string organization, string? user, string expected)
    {
        Assert.Equal(expected, SessionNames.RoleSessionName(OrganizationId.Parse(organization), "read-write", user));
    }

    [Fact]
    public void RoleSessionName_NamesOrganizationAndPermissionSet_DistinctPerSet()
    {
        var org = OrganizationId.Parse("acme");

        Assert.Equal("acme+read-only", SessionNames.RoleSessionName(org, "read-only", null));
        Assert.NotEqual(SessionNames.RoleSessionName(org, "read-only", null), SessionNames.RoleSessionName(org, "read-write", null));
    }

    [Fact]
    public void RoleSessionName_SeparatorInPermissionSetName_IsHashedNotAmbiguous()
    {
        var org = OrganizationId.Parse("acme");

        // set "a@b" for user "c" and set "a" for user "b@c" would both read acme+a@b@c
        var setWithAt = SessionNames.RoleSessionName(org, "a@b", "c");
        var userWithAt = SessionNames.RoleSessionName(org, "a", "b@c");

        Assert.Equal("acme+a@b@c", userWithAt);
        Assert.NotEqual(setWithAt, userWithAt);
        Assert.Matches("^acme\\+a_b@c-[0-9a-f]{16}$", setWithAt);
    }

    [Theory]
    [InlineData("acme", "al ice")]
    [InlineData("acme", "ålice")]
    [InlineData("acme", "aws:alice")]
    public void RoleSessionName_InvalidInput_IsSanitizedWithHashSuffix(string organization, string? user)
    {
        var name = SessionNames.RoleSessionName(OrganizationId.Parse(organization), "rw", user);

        Assert.True(SessionNames.IsValid(name), name);
        Assert.Matches("-[0-9a-f]{16}$", name);
    }

    [Fact]
    public void RoleSessionName_LongInput_IsTruncatedTo64WithHash()
    {
        var org = OrganizationId.Parse(new string('o', 64));

        var a = SessionNames.RoleSessionName(org, "read-write", new string('u', 100) + "1");
        var b = SessionNames.RoleSessionName(org, "read-write", new string('u', 100) + "2");

        Assert.Equal(64, a.Length);
        Assert.True(SessionNames.IsValid(a));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void RoleSessionName_SanitizedAndVerbatimLookalikes_DoNotCollide()
    {
        var org = OrganizationId.Parse("acme");

        var spaced = SessionNames.RoleSessionName(org, "rw", "a b");
        var underscored = SessionNames.RoleSessionName(org, "rw", "a_b");

        Assert.Equal("acme+rw@a_b", underscored);
        Assert.NotEqual(spaced, underscored);
        Assert.StartsWith("acme+rw@a_b-", spaced, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("alice@example.com", "alice@example.com")]
    public void SourceIdentity_ValidUser_IsKept(string user, string expected)
    {
        Assert.Equal(expected, SessionNames.SourceIdentity(user));
    }

    [Theory]
    [InlineData("aws:alice")]
    [InlineData("AWS:alice")]
    [InlineData("x")]
    [InlineData("user/with/slashes")]
    public void SourceIdentity_InvalidUser_IsValidAndNeverStartsWithAws(string user)
    {
        var identity = SessionNames.SourceIdentity(user);

        Assert.True(SessionNames.IsValid(identity), identity);
        Assert.False(identity.StartsWith("aws:", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void EmptyUser_Throws()
    {
        Assert.Throws<ArgumentException>(() => SessionNames.SourceIdentity(""));
        Assert.Throws<ArgumentException>(() => SessionNames.RoleSessionName(OrganizationId.Parse("acme"), "rw", ""));
        Assert.Throws<ArgumentException>(() => SessionNames.RoleSessionName(default, "rw", null));
    }

    [Theory]
    [InlineData("ab", true)]
    [InlineData("a", false)]
    [InlineData("a b", false)]
    [InlineData("a:b", false)]
    [InlineData("a/b", false)]
    [InlineData("é1", false)]
    [InlineData("A_z0+=,.@-", true)]
    [InlineData(null, false)]
    public void IsValid_FollowsStsPattern(string? value, bool valid)
    {
        Assert.Equal(valid, SessionNames.IsValid(value));
    }

    [Fact]
    public void IsValid_LengthBounds()
    {
        Assert.True(SessionNames.IsValid(new string('a', 64)));
        Assert.False(SessionNames.IsValid(new string('a', 65)));
    }
}
