using System.Runtime.CompilerServices;
using Gateway.Isolation.Credentials;

namespace Gateway.Isolation.Tests.Credentials;

public sealed class ScopedCredentialsTests
{
    private static readonly DateTimeOffset Expiration = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Constructor_SecretAndToken_HeldAsBytesNotAsTheCallersStrings()
    {
        var (credentials, secret, token) = Create(new string('s', 40), new string('t', 1_000));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // The cached set keeps UTF-8 bytes (1 B per character), not the UTF-16 strings it was given (2 B per character).
        Assert.False(secret.TryGetTarget(out _));
        Assert.False(token.TryGetTarget(out _));
        Assert.Equal(new string('s', 40), credentials.SecretAccessKey);
        Assert.Equal(new string('t', 1_000), credentials.SessionToken);
    }

    [Fact]
    public void Properties_NonAsciiValues_RoundTrip()
    {
        var credentials = new ScopedCredentials("ASIAEXAMPLE", "sécret/+=", "tøken€", Expiration, "acme");

        Assert.Equal("sécret/+=", credentials.SecretAccessKey);
        Assert.Equal("tøken€", credentials.SessionToken);
        Assert.Equal("ASIAEXAMPLE", credentials.AccessKeyId);
        Assert.Equal("acme", credentials.SessionName);
    }

    [Fact]
    public void Constructor_MalformedText_Refused()
        => Assert.Throws<ArgumentException>(() => new ScopedCredentials("ASIAEXAMPLE", "secret", "token\uD800", Expiration, "acme"));

    [Fact]
    public void HasSameSecrets_SameValuesInANewObject_True()
    {
        var a = new ScopedCredentials("ASIAEXAMPLE", "secret", "token", Expiration, "acme");
        var b = new ScopedCredentials("ASIAOTHER", "secret", "token", Expiration.AddHours(1), "other");

        Assert.True(a.HasSameSecrets(b));
        Assert.True(a.HasSameSecrets(a));
    }

    [Theory]
    [InlineData("secret", "token-other")]
    [InlineData("secret-other", "token")]
    [InlineData("secre", "ttoken")] // the same bytes split differently between secret and token
    [InlineData("secrett", "oken")]
    public void HasSameSecrets_OtherSecretOrToken_False(string secret, string token)
    {
        var a = new ScopedCredentials("ASIAEXAMPLE", "secret", "token", Expiration, "acme");

        Assert.False(a.HasSameSecrets(new ScopedCredentials("ASIAEXAMPLE", secret, token, Expiration, "acme")));
    }

    [Fact]
    public void HoldSealed_HolderGivesBackTheSameSecrets_OwnCopyDroppedAndReadsUnseal()
    {
        var credentials = new ScopedCredentials("ASIAEXAMPLE", "secret", "token", Expiration, "acme");
        var holder = new Holder("secret", "token");

        Assert.True(credentials.HoldSealed(holder));

        Assert.False(credentials.HoldsOwnCopy);
        Assert.Equal("secret", credentials.SecretAccessKey);
        Assert.Equal("token", credentials.SessionToken);
        Assert.True(holder.Reads >= 3); // checked when handed over, then once per read
        Assert.True(credentials.HasSameSecrets(new ScopedCredentials("ASIAEXAMPLE", "secret", "token", Expiration, "acme")));
    }

    [Theory]
    [InlineData("secret", "token-other")]
    [InlineData("secre", "ttoken")] // the same bytes split differently
    public void HoldSealed_HolderGivesBackOtherSecrets_Refused_OwnCopyKept(string secret, string token)
    {
        var credentials = new ScopedCredentials("ASIAEXAMPLE", "secret", "token", Expiration, "acme");

        Assert.False(credentials.HoldSealed(new Holder(secret, token)));
        Assert.False(credentials.HoldSealed(new Holder(null, null))); // a holder that cannot read them back

        Assert.True(credentials.HoldsOwnCopy);
        Assert.Equal("token", credentials.SessionToken);
    }

    [Fact]
    public void ReadSecrets_HolderStopsGivingThemBack_FailsClosed()
    {
        var credentials = new ScopedCredentials("ASIAEXAMPLE", "secret", "token", Expiration, "acme");
        var holder = new Holder("secret", "token");
        Assert.True(credentials.HoldSealed(holder));

        holder.Secret = "secret-other";
        Assert.Throws<InvalidOperationException>(() => credentials.SessionToken);
        holder.Secret = null;
        var ex = Assert.Throws<InvalidOperationException>(() => credentials.SecretAccessKey);
        Assert.DoesNotContain("token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HoldSealed_LaterHolder_ReplacesTheEarlierOne()
    {
        var credentials = new ScopedCredentials("ASIAEXAMPLE", "secret", "token", Expiration, "acme");
        var first = new Holder("secret", "token");
        var second = new Holder("secret", "token");
        Assert.True(credentials.HoldSealed(first));
        Assert.True(credentials.HoldSealed(second));
        first.Secret = null; // the first is no longer consulted (nor kept alive)

        Assert.Equal("secret", credentials.SecretAccessKey);
    }

    private sealed class Holder(string? secret, string? token) : ISealedSecrets
    {
        public string? Secret { get; set; } = secret;

        public int Reads { get; private set; }

        public (string SecretAccessKey, string SessionToken) Unseal()
        {
            Reads++;
            return (Secret ?? throw new InvalidOperationException("gone"), token ?? throw new InvalidOperationException("gone"));
        }
    }

    [Fact]
    public void ToString_NeverShowsSecrets()
    {
        var text = new ScopedCredentials("ASIAEXAMPLE", "secret-value", "token-value", Expiration, "acme").ToString();

        Assert.DoesNotContain("secret-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("token-value", text, StringComparison.Ordinal);
        Assert.Contains("ASIAEXAMPLE", text, StringComparison.Ordinal);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (ScopedCredentials Credentials, WeakReference<string> Secret, WeakReference<string> Token) Create(string secretText, string tokenText)
    {
        // Fresh copies the test itself does not hold: only the credentials could keep them alive.
        var secret = new string(secretText.AsSpan());
        var token = new string(tokenText.AsSpan());
        return (new ScopedCredentials("ASIAEXAMPLE", secret, token, Expiration, "acme"), new WeakReference<string>(secret), new WeakReference<string>(token));
    }
}
