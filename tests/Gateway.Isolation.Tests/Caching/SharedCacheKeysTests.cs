using System.Text.RegularExpressions;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Credentials;
using Gateway.Policies;

namespace Gateway.Isolation.Tests.Caching;

public sealed class SharedCacheKeysTests
{
    private static readonly OrganizationId Acme = OrganizationId.Parse("acme");

    [Fact]
    public void Credentials_UserNamedDash_NotTheOrganizationWideKey()
    {
        var organizationWide = new CredentialKey(Acme, "read-write", null, "0123456789abcdef").SharedCacheKey;
        var userNamedDash = new CredentialKey(Acme, "read-write", "-", "0123456789abcdef").SharedCacheKey;

        Assert.Equal("c:acme:read-write:0123456789abcdef:-", organizationWide);
        Assert.NotEqual(organizationWide, userNamedDash);
    }

    /// <summary>The shard count is part of the L2 key (a reshard is another key); unsharded keys are unchanged, and a
    /// user's sharded per-user credentials still match the user's eviction pattern.</summary>
    [Fact]
    public void Credentials_ShardCount_PartOfTheKey_UnshardedUnchanged()
    {
        var unsharded = new CredentialKey(Acme, "read-write", null, "0123456789abcdef", ShardCount.One).SharedCacheKey;
        var eight = new CredentialKey(Acme, "read-write", null, "0123456789abcdef", ShardCount.Create(8)).SharedCacheKey;
        var sixteen = new CredentialKey(Acme, "read-write", null, "0123456789abcdef", ShardCount.Create(16)).SharedCacheKey;
        var carol = new CredentialKey(Acme, "read-write", "carol", "0123456789abcdef", ShardCount.Create(8)).SharedCacheKey;

        Assert.Equal("c:acme:read-write:0123456789abcdef:-", unsharded);
        Assert.Equal("c:acme:read-write:0123456789abcdef.s8:-", eight);
        Assert.NotEqual(eight, sixteen);
        Assert.NotEqual(new CredentialKey(Acme, "read-write", null, "0123456789abcdef"), new CredentialKey(Acme, "read-write", null, "0123456789abcdef", ShardCount.Create(8)));
        Assert.Contains(SharedCacheKeys.EvictionPatterns("carol", "acme").Select(Glob), p => p.IsMatch(carol));
        Assert.Contains(SharedCacheKeys.EvictionPatterns(null, "acme").Select(Glob), p => p.IsMatch(eight));
    }

    [Fact]
    public void UserPatterns_MatchTheUsersCredentialsAndMembership_NotTheOrganizationWideOrAnotherUsers()
    {
        var patterns = SharedCacheKeys.EvictionPatterns("carol", "acme").Select(Glob).ToList();
        bool Matched(string key) => patterns.Any(p => p.IsMatch(key));

        Assert.True(Matched(new CredentialKey(Acme, "read-write", "carol", "0123456789abcdef").SharedCacheKey));
        Assert.True(Matched(SharedCacheKeys.Membership("carol", "acme")));
        Assert.False(Matched(new CredentialKey(Acme, "read-write", null, "0123456789abcdef").SharedCacheKey));
        Assert.False(Matched(new CredentialKey(Acme, "read-write", "xcarol", "0123456789abcdef").SharedCacheKey));
        Assert.False(Matched(SharedCacheKeys.Membership("carolyn", "acme")));
    }

    [Fact]
    public void EvictionPatterns_NoUser_MatchEveryCredentialSetAndMembershipOfTheOrganization_NotALookalikes()
    {
        var patterns = SharedCacheKeys.EvictionPatterns(null, "acme").Select(Glob).ToList();
        bool Matched(string key) => patterns.Any(p => p.IsMatch(key));
        var acme2 = OrganizationId.Parse("acme-2");

        Assert.True(Matched(new CredentialKey(Acme, "read-write", null, "0123456789abcdef").SharedCacheKey));
        Assert.True(Matched(new CredentialKey(Acme, "read", "carol", "fedcba9876543210").SharedCacheKey));
        Assert.True(Matched(SharedCacheKeys.Membership("carol", "acme")));
        Assert.True(Matched(SharedCacheKeys.Membership("dave@example.com", "acme")));
        // Deny twins: an organization whose id has acme as prefix, the same user in another organization, other keys.
        Assert.False(Matched(new CredentialKey(acme2, "read-write", null, "0123456789abcdef").SharedCacheKey));
        Assert.False(Matched(new CredentialKey(acme2, "read", "carol", "0123456789abcdef").SharedCacheKey));
        Assert.False(Matched(SharedCacheKeys.Membership("carol", "acme-2")));
        Assert.False(Matched(SharedCacheKeys.Lock(new CredentialKey(Acme, "read-write", null, "0123456789abcdef").SharedCacheKey)));
        Assert.Throws<ArgumentNullException>(() => SharedCacheKeys.EvictionPatterns(null, null));
    }

    [Fact]
    public void Membership_KeyVersioned_AnOlderInstanceNeverReadsTheNewMeaningOfMember()
    {
        // Before issue 21 a cached "member" also meant "the organization is ACTIVE" and lived at m:{user}:{org}; it now
        // means only "a membership item exists". Instances of both versions share Redis during a rolling update, so an
        // older one must never find a newer one's entry (it would admit members of a suspended organization).
        var key = SharedCacheKeys.Membership("alice", "acme");

        Assert.Equal("m2:alice:acme", key);
        Assert.False(key.StartsWith("m:", StringComparison.Ordinal));
        Assert.All(SharedCacheKeys.EvictionPatterns("alice", null), pattern => Assert.False(pattern.StartsWith("m:", StringComparison.Ordinal)));
    }

    /// <summary>Redis SCAN MATCH semantics for the patterns used here (<c>*</c> = any run of characters).</summary>
    private static Regex Glob(string pattern) => new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$");
}
