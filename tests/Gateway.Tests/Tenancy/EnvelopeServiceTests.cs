using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Gateway.Configuration;
using Gateway.Envelopes;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Evaluation;
using Gateway.Policies;
using Gateway.Tenancy;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Tenancy;

public sealed class EnvelopeServiceTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ScopedCredentials _credentials;

    public EnvelopeServiceTests()
        => _credentials = new ScopedCredentials("ASIAEXAMPLE00000001", "secret-value", "token-value", _time.GetUtcNow().AddHours(1), "acme");

    private EnvelopeService Service(bool perRequest = false, int envelopesPerCredential = 1024)
    {
        var forwarding = new ForwardingOptions { EnvelopePerRequest = perRequest, EnvelopesPerCredential = envelopesPerCredential };
        return new EnvelopeService(TestOptions.Wrap(forwarding), TestOptions.Monitor(TestOptions.Envelopes()), _time);
    }

    private TenantIsolationDecision Tenant(string user = "alice", string role = "ADMINISTRATOR", ScopedCredentials? credentials = null)
        => TenantIsolationDecision.Allow(OrganizationId.Parse("acme"), user, role, "read-write", credentials ?? _credentials);

    private TenantEnvelopeReader Reader(string audience = "applications", string key = TestOptions.LocalKey)
        => new([EnvelopeKey.FromBase64("local-1", key)], "tenant-gateway", audience, _time);

    [Fact]
    public void GetEnvelope_RoundTripsThroughBackendReader()
    {
        var token = Service().GetEnvelope(Tenant(), "applications", "req-1");

        var result = Reader().Read(token);

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.Equal("acme", result.Envelope.OrganizationId);
        Assert.Equal("alice", result.Envelope.UserId);
        Assert.Equal("ADMINISTRATOR", result.Envelope.Role);
        Assert.Equal("read-write", result.Envelope.PermissionSet);
        Assert.Equal("secret-value", result.Envelope.SecretAccessKey);
        Assert.Equal("token-value", result.Envelope.SessionToken);
    }

    [Fact]
    public void GetEnvelope_OtherAudienceOrKey_RejectedByBackend()
    {
        var token = Service().GetEnvelope(Tenant(), "applications", "req-1");

        Assert.Equal(EnvelopeFailureCodes.Invalid, Reader(audience: "billing").Read(token).FailureCode);
        var otherKey = Convert.ToBase64String(new byte[64]);
        Assert.Equal(EnvelopeFailureCodes.Invalid, Reader(key: otherKey).Read(token).FailureCode);
    }

    [Fact]
    public void GetEnvelope_Tampered_RejectedByBackend()
    {
        var token = Service().GetEnvelope(Tenant(), "applications", "req-1")!;
        var parts = token.Split('.');
        var ciphertext = parts[3].ToCharArray();
        ciphertext[5] = ciphertext[5] == 'A' ? 'B' : 'A';
        parts[3] = new string(ciphertext);

        Assert.Equal(EnvelopeFailureCodes.Invalid, Reader().Read(string.Join('.', parts)).FailureCode);
    }

    [Fact]
    public void GetEnvelope_AfterLifetime_ExpiredForBackend()
    {
        var token = Service().GetEnvelope(Tenant(), "applications", "req-1");
        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(EnvelopeFailureCodes.Expired, Reader().Read(token).FailureCode);
    }

    [Fact]
    public void GetEnvelope_SameCredentialsUserRole_ReusedUntilNearExpiry()
    {
        var service = Service();
        var first = service.GetEnvelope(Tenant(), "applications", "req-1");

        Assert.Same(first, service.GetEnvelope(Tenant(), "applications", "req-2"));
        Assert.NotSame(first, service.GetEnvelope(Tenant(user: "erin", role: "MEMBER"), "applications", "req-3"));

        _time.Advance(TimeSpan.FromMinutes(4.5)); // inside the reuse margin before the 5-minute expiry
        var renewed = service.GetEnvelope(Tenant(), "applications", "req-4");
        Assert.NotSame(first, renewed);
        Assert.True(Reader().Read(renewed).Succeeded);
    }

    [Fact]
    public void GetEnvelope_CredentialsExpiringBeforeTheEnvelopeLifetime_ReuseEndsAMarginBeforeTheCredentials()
    {
        // Credentials with 3 minutes left, envelopes of 5 minutes (reuse margin 1 minute): the cached envelope is capped
        // at the credentials' expiry, so it is reused for 2 minutes, not 4 (an envelope must not outlive its credentials).
        var service = Service();
        var shortLived = new ScopedCredentials("ASIASHORT0000000001", "secret-3", "token-3", _time.GetUtcNow().AddMinutes(3), "acme");
        var first = service.GetEnvelope(Tenant(credentials: shortLived), "applications", "req-1");

        _time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.Same(first, service.GetEnvelope(Tenant(credentials: shortLived), "applications", "req-2")); // the twin: still reused

        _time.Advance(TimeSpan.FromMinutes(1)); // 2.5 minutes: 30 s before the credentials expire
        var later = service.GetEnvelope(Tenant(credentials: shortLived), "applications", "req-3");
        Assert.NotSame(first, later);
        var read = Reader().Read(later);
        Assert.True(read.Succeeded, read.FailureReason);
        Assert.Equal("req-3", read.Envelope.RequestId);
    }

    [Fact]
    public void GetEnvelope_TwoUsersSameRoleSameCredentials_EachEnvelopeCarriesItsOwnUser()
    {
        // Organization-scoped credentials are shared by every member with the same role: the reused envelope must still
        // name the user it was written for (the user id is part of the envelope cache key).
        var service = Service();
        var aliceToken = service.GetEnvelope(Tenant(user: "alice", role: "MEMBER"), "applications", "req-1");
        var bobToken = service.GetEnvelope(Tenant(user: "bob", role: "MEMBER"), "applications", "req-2");
        var aliceAgain = service.GetEnvelope(Tenant(user: "alice", role: "MEMBER"), "applications", "req-3");

        var alice = Reader().Read(aliceToken);
        var bob = Reader().Read(bobToken);

        Assert.Equal("alice", alice.Envelope!.UserId);
        Assert.Equal("bob", bob.Envelope!.UserId);
        Assert.Equal("MEMBER", bob.Envelope.Role);
        Assert.Equal(alice.Envelope.AccessKeyId, bob.Envelope.AccessKeyId);
        Assert.Same(aliceToken, aliceAgain); // still reused per user
    }

    [Fact]
    public void GetEnvelope_NewCredentials_NewEnvelope()
    {
        var service = Service();
        var first = service.GetEnvelope(Tenant(), "applications", "req-1");
        var refreshed = new ScopedCredentials("ASIANEW000000000001", "secret-2", "token-2", _time.GetUtcNow().AddHours(1), "acme");

        var second = service.GetEnvelope(Tenant(credentials: refreshed), "applications", "req-2");

        Assert.Equal("ASIANEW000000000001", Reader().Read(second).Envelope!.AccessKeyId);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void GetEnvelope_SameUserAndCredentialsOtherRole_EnvelopeCarriesTheNewRole()
    {
        // Two roles mapped to one permission set share credentials: after a role change the envelope must follow.
        var service = Service();
        var asMember = service.GetEnvelope(Tenant(role: "MEMBER"), "applications", "req-1");
        var asViewer = service.GetEnvelope(Tenant(role: "VIEWER"), "applications", "req-2");

        Assert.Equal("MEMBER", Reader().Read(asMember).Envelope!.Role);
        Assert.Equal("VIEWER", Reader().Read(asViewer).Envelope!.Role);
        Assert.Same(asMember, service.GetEnvelope(Tenant(role: "MEMBER"), "applications", "req-3"));
    }

    [Fact]
    public void GetEnvelope_SameCredentialsReadBackAsANewObject_Reused()
    {
        // Credentials read from the shared cache tier (Redis) are new objects: reuse follows the access key id.
        var service = Service();
        var first = service.GetEnvelope(Tenant(), "applications", "req-1");
        var readBack = new ScopedCredentials(_credentials.AccessKeyId, "secret-value", "token-value", _credentials.Expiration, "acme");

        Assert.Same(first, service.GetEnvelope(Tenant(credentials: readBack), "applications", "req-2"));
    }

    [Fact]
    public void GetEnvelope_CachedEnvelopeNotInUse_HeldAsBytesAndReusedAfterACollection()
    {
        var service = Service();
        var (text, weak) = WriteAndForget(service);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // No UTF-16 copy of an idle envelope stays in the cache (its ASCII bytes do) ...
        Assert.False(weak.TryGetTarget(out _));
        // ... and the next request still reuses that envelope, not a new one (it carries the first request's id).
        var reused = service.GetEnvelope(Tenant(), "applications", "req-2");
        Assert.Equal(text, reused);
        Assert.Equal("req-1", Reader().Read(reused).Envelope!.RequestId);
        Assert.Same(reused, service.GetEnvelope(Tenant(), "applications", "req-3")); // one string while it is in use
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private (string Text, WeakReference<string> Envelope) WriteAndForget(EnvelopeService service, TenantIsolationDecision? decision = null)
    {
        var envelope = service.GetEnvelope(decision ?? Tenant(), "applications", "req-1")!;
        return (new string(envelope.AsSpan()), new WeakReference<string>(envelope));
    }

    /// <summary>A realistic set: a 40-character secret and a 1,000-character base64 session token (what STS returns with a session policy).</summary>
    private ScopedCredentials RealisticCredentials(string accessKeyId = "ASIAEXAMPLE00000002")
        => new(accessKeyId, new string(Convert.ToBase64String(RandomNumberGenerator.GetBytes(30))), Convert.ToBase64String(RandomNumberGenerator.GetBytes(750)), _time.GetUtcNow().AddHours(1), "acme");

    [Fact]
    public void GetEnvelope_EnvelopeCached_TheSessionTokenIsHeldOnce_InTheEnvelopesBinaryForm()
    {
        var service = Service();
        service.GetEnvelope(Tenant("warm", credentials: RealisticCredentials("ASIAWARM0000000001")), "applications", "req-0"); // crypto caches, shared header
        var baseline = RetainedBytes.Of(service);
        var credentials = RealisticCredentials();
        var envelopeChars = service.GetEnvelope(Tenant(credentials: credentials), "applications", "req-1")!.Length;

        var session = RetainedBytes.Of(service, credentials) - baseline;

        // Before: the credentials' UTF-8 secret + token (1,040 B) and the envelope's ASCII (2,580 B) — over 3.6 KB. Now
        // the token is held once, inside the envelope's decoded binary form (3 bytes per 4 characters), plus bookkeeping.
        Assert.True(envelopeChars > 2_500, $"envelope {envelopeChars} chars");
        Assert.True(session < envelopeChars, $"a cached session retains {session} B for a {envelopeChars}-character envelope");
        Assert.False(credentials.HoldsOwnCopy);
    }

    [Fact]
    public void GetEnvelope_WarmAfterTheCredentialsDroppedTheirCopy_AllocatesNothing()
    {
        var service = Service();
        var decision = Tenant(credentials: RealisticCredentials());
        var envelope = service.GetEnvelope(decision, "applications", "req-1");
        service.GetEnvelope(decision, "applications", "req-2");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Assert.Same(envelope, service.GetEnvelope(decision, "applications", "req-3"));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before); // no unsealing, no copy, no crypto on the warm path
    }

    [Fact]
    public void GetEnvelope_AfterTheCredentialsDroppedTheirCopy_SameEnvelopeByteIdentical_SecretsReadBack()
    {
        var service = Service();
        var credentials = RealisticCredentials();
        var secret = credentials.SecretAccessKey;
        var token = credentials.SessionToken;
        var (text, weak) = WriteAndForget(service, Tenant(credentials: credentials));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(weak.TryGetTarget(out _));
        Assert.False(credentials.HoldsOwnCopy);
        var served = service.GetEnvelope(Tenant(credentials: credentials), "applications", "req-2");
        Assert.Equal(text, served); // rebuilt from the binary form: exactly the header value the first request carried
        Assert.Equal(secret, credentials.SecretAccessKey); // unsealed from the envelope
        Assert.Equal(token, credentials.SessionToken);
        var read = Reader().Read(served).Envelope!;
        Assert.Equal(token, read.SessionToken);
        Assert.Equal("req-1", read.RequestId);
    }

    [Fact]
    public void GetEnvelope_OtherUserAndReSealAfterLifetime_WrittenFromTheSealedSecrets()
    {
        var service = Service();
        var credentials = RealisticCredentials();
        var token = credentials.SessionToken;
        var alice = service.GetEnvelope(Tenant("alice", credentials: credentials), "applications", "req-1")!;
        Assert.False(credentials.HoldsOwnCopy);

        var bob = Reader().Read(service.GetEnvelope(Tenant("bob", credentials: credentials), "applications", "req-2")).Envelope!;
        Assert.Equal(("bob", token), (bob.UserId, bob.SessionToken));

        _time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(1)); // past the reuse margin: written again
        var again = service.GetEnvelope(Tenant("alice", credentials: credentials), "applications", "req-3")!;
        Assert.NotEqual(alice, again);
        var read = Reader().Read(again);
        Assert.True(read.Succeeded, read.FailureReason);
        Assert.Equal(("req-3", token), (read.Envelope!.RequestId, read.Envelope.SessionToken));
        Assert.Equal(token, credentials.SessionToken);
    }

    [Fact]
    public void GetEnvelope_RefreshedCredentials_NewSetSealedInItsOwnEnvelope_OldSetStillReadable()
    {
        var service = Service();
        var old = RealisticCredentials("ASIAOLD00000000001");
        var oldToken = old.SessionToken;
        service.GetEnvelope(Tenant(credentials: old), "applications", "req-1");
        var refreshed = RealisticCredentials("ASIANEW00000000001");
        var newToken = refreshed.SessionToken;

        var envelope = Reader().Read(service.GetEnvelope(Tenant(credentials: refreshed), "applications", "req-2")).Envelope!;

        Assert.Equal(newToken, envelope.SessionToken);
        Assert.False(refreshed.HoldsOwnCopy);
        Assert.Equal(oldToken, old.SessionToken); // a request still holding the old set reads it back from its envelope
    }

    [Fact]
    public void GetEnvelope_MoreUsersThanEnvelopesPerCredential_OnlyTheFirstOnesReused()
    {
        var service = Service(envelopesPerCredential: 2);
        var alice = service.GetEnvelope(Tenant("alice"), "applications", "req-1");
        var bob = service.GetEnvelope(Tenant("bob"), "applications", "req-2");
        var carol = service.GetEnvelope(Tenant("carol"), "applications", "req-3");

        Assert.Same(alice, service.GetEnvelope(Tenant("alice"), "applications", "req-4"));
        Assert.Same(bob, service.GetEnvelope(Tenant("bob"), "applications", "req-5"));
        var carolAgain = service.GetEnvelope(Tenant("carol"), "applications", "req-6");
        Assert.Equal("req-3", Reader().Read(carol).Envelope!.RequestId);
        Assert.Equal("req-6", Reader().Read(carolAgain).Envelope!.RequestId); // beyond the bound: written per request
        Assert.Equal("carol", Reader().Read(carolAgain).Envelope!.UserId);
    }

    [Fact]
    public void GetEnvelope_SameAccessKeyIdOtherSecretOrToken_NotReused()
    {
        var service = Service();
        var first = service.GetEnvelope(Tenant(), "applications", "req-1");
        var otherSecret = new ScopedCredentials(_credentials.AccessKeyId, "secret-other", "token-value", _credentials.Expiration, "acme");
        var otherToken = new ScopedCredentials(_credentials.AccessKeyId, "secret-value", "token-other", _credentials.Expiration, "acme");

        var withOtherSecret = service.GetEnvelope(Tenant(credentials: otherSecret), "applications", "req-2");
        var withOtherToken = service.GetEnvelope(Tenant(credentials: otherToken), "applications", "req-3");

        Assert.NotEqual(first, withOtherSecret);
        Assert.Equal("secret-other", Reader().Read(withOtherSecret).Envelope!.SecretAccessKey);
        Assert.Equal("token-other", Reader().Read(withOtherToken).Envelope!.SessionToken);
        Assert.Same(first, service.GetEnvelope(Tenant(), "applications", "req-4")); // the original set still reuses
    }

    [Fact]
    public void GetEnvelope_PerRequestMode_CarriesEachRequestId()
    {
        var service = Service(perRequest: true);

        var a = Reader().Read(service.GetEnvelope(Tenant(), "applications", "req-a"));
        var b = Reader().Read(service.GetEnvelope(Tenant(), "applications", "req-b"));

        Assert.Equal("req-a", a.Envelope!.RequestId);
        Assert.Equal("req-b", b.Envelope!.RequestId);
    }

    [Fact]
    public void GetEnvelope_ClusterWithoutKey_Null() => Assert.Null(Service().GetEnvelope(Tenant(), "unknown-cluster", "req-1"));

    [Fact]
    public void GetEnvelope_CredentialsExpiringSoon_EnvelopeNotValidBeyondThem()
    {
        var shortLived = new ScopedCredentials("ASIASHORT0000000001", "s", "t", _time.GetUtcNow().AddMinutes(3), "acme");
        var token = Service().GetEnvelope(Tenant(credentials: shortLived), "applications", "req-1");

        _time.Advance(TimeSpan.FromMinutes(3.6)); // beyond the credential expiry + 30 s skew, before the 5-minute envelope lifetime

        Assert.False(Reader().Read(token).Succeeded);
    }

    [Fact]
    public void GetEnvelope_CurrentKeyReloaded_SealsWithTheNewKeyAndDoesNotReuseTheOldEnvelope()
    {
        var envelopes = TestOptions.Monitor(TestOptions.Envelopes());
        var service = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), envelopes, _time);
        var before = service.GetEnvelope(Tenant(), "applications", "req-1");
        Assert.Same(before, service.GetEnvelope(Tenant(), "applications", "req-2")); // reused while the key is unchanged

        var rotated = Convert.ToBase64String(Enumerable.Range(1, 64).Select(i => (byte)i).ToArray());
        var next = new EnvelopeOptions();
        next.Clusters["applications"] = new ClusterEnvelopeOptions { Current = new GatewayEnvelopeKeyOptions { KeyId = "local-2", Key = rotated } };
        envelopes.Set(next);
        var after = service.GetEnvelope(Tenant(), "applications", "req-3");

        Assert.NotEqual(before, after);
        var newReader = new TenantEnvelopeReader([EnvelopeKey.FromBase64("local-2", rotated)], "tenant-gateway", "applications", _time);
        Assert.True(newReader.Read(after).Succeeded);
        Assert.False(Reader().Read(after).Succeeded); // not sealed with the old key any more
        Assert.True(Reader().Read(before).Succeeded); // twin: the old envelope was the old key's
    }

    [Fact]
    public void HasKeyFor_ClusterKeyAddedByReload_True()
    {
        var envelopes = TestOptions.Monitor(TestOptions.Envelopes());
        var service = new EnvelopeService(TestOptions.Wrap(new ForwardingOptions()), envelopes, _time);
        Assert.False(service.HasKeyFor("billing"));

        var next = TestOptions.Envelopes();
        next.Clusters["billing"] = new ClusterEnvelopeOptions { Current = new GatewayEnvelopeKeyOptions { KeyId = "billing-1", Key = TestOptions.LocalKey } };
        envelopes.Set(next);

        Assert.True(service.HasKeyFor("billing"));
        Assert.True(service.HasKeyFor("applications"));
    }
}
