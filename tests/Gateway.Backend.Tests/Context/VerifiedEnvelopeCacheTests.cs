using Gateway.Backend.Context;
using Gateway.Envelopes;
using Gateway.Envelopes.Tests;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Backend.Tests.Context;

public sealed class VerifiedEnvelopeCacheTests : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _clock = EnvelopeTestData.Clock();
    private readonly VerifiedEnvelopeCache _cache;

    public VerifiedEnvelopeCacheTests() => _cache = Create(1024);

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void Read_SameBytesAgain_ReusesTheVerifiedResult()
    {
        var envelope = Write(EnvelopeTestData.LocalKey);

        var first = _cache.Read(envelope);
        var second = _cache.Read(envelope);

        Assert.True(first.Succeeded, first.ToString());
        Assert.Same(first, second);
    }

    [Fact]
    public void Read_CacheOff_VerifiesEveryTime()
    {
        using var cache = Create(0);
        var envelope = Write(EnvelopeTestData.LocalKey);

        var first = cache.Read(envelope);
        var second = cache.Read(envelope);

        Assert.True(first.Succeeded && second.Succeeded);
        Assert.NotSame(first, second); // verified twice: nothing was remembered
    }

    [Fact]
    public void Read_TamperedBytesOfACachedEnvelope_Invalid()
    {
        var envelope = Write(EnvelopeTestData.LocalKey);
        Assert.True(_cache.Read(envelope).Succeeded);
        var parts = envelope.Split('.');
        var ciphertext = parts[3].ToCharArray();
        ciphertext[10] = ciphertext[10] == 'A' ? 'B' : 'A';
        parts[3] = new string(ciphertext);

        var tampered = _cache.Read(string.Join('.', parts));
        var original = _cache.Read(envelope);

        Assert.Equal(EnvelopeFailureCodes.Invalid, tampered.FailureCode);
        Assert.True(original.Succeeded);
    }

    [Fact]
    public void Read_SameClaimsSealedWithAnotherKeyUnderTheSameKeyId_Invalid()
    {
        var genuine = Write(EnvelopeTestData.LocalKey);
        Assert.True(_cache.Read(genuine).Succeeded);

        var forged = _cache.Read(Write(EnvelopeTestData.KeyOf(DevelopmentEnvelopeKeys.LocalKeyId, 0x42)));
        var again = _cache.Read(genuine);

        Assert.Equal(EnvelopeFailureCodes.Invalid, forged.FailureCode);
        Assert.True(again.Succeeded);
    }

    [Fact]
    public void Read_AfterExp_VerifiedAgainAndExpired()
    {
        var envelope = Write(EnvelopeTestData.LocalKey);
        var cached = _cache.Read(envelope);

        _clock.Advance(Lifetime - TimeSpan.FromSeconds(1));
        var justBefore = _cache.Read(envelope);
        _clock.Advance(TimeSpan.FromSeconds(1) + TenantEnvelopeReader.ClockSkew + TimeSpan.FromSeconds(1));
        var after = _cache.Read(envelope);

        Assert.Same(cached, justBefore);
        Assert.Equal(EnvelopeFailureCodes.Expired, after.FailureCode);
    }

    [Fact]
    public void Read_AtExpWithinClockSkew_VerifiedAgainNotServedFromCache()
    {
        var envelope = Write(EnvelopeTestData.LocalKey);
        var cached = _cache.Read(envelope);

        _clock.Advance(Lifetime + TimeSpan.FromSeconds(1));
        var withinSkew = _cache.Read(envelope);

        Assert.True(withinSkew.Succeeded, withinSkew.ToString());
        Assert.NotSame(cached, withinSkew);
    }

    [Fact]
    public void Read_CredentialsExpireBeforeExp_NotServedAfterThem()
    {
        var envelope = Write(EnvelopeTestData.LocalKey, EnvelopeTestData.Envelope(credentialExpiration: EnvelopeTestData.Start.AddMinutes(2)));
        Assert.True(_cache.Read(envelope).Succeeded);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var before = _cache.Read(envelope);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var after = _cache.Read(envelope);

        Assert.True(before.Succeeded);
        Assert.Equal(EnvelopeFailureCodes.Expired, after.FailureCode);
    }

    [Fact]
    public void Read_FailureIsNotCached_SameBytesSucceedOnceValid()
    {
        // Issued two minutes in the future (beyond the 30 s skew): refused now, accepted once the clock gets there.
        var future = new FakeTimeProvider(EnvelopeTestData.Start.AddMinutes(2));
        var envelope = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, future)
            .Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var early = _cache.Read(envelope);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var onTime = _cache.Read(envelope);

        Assert.Equal(EnvelopeFailureCodes.Invalid, early.FailureCode);
        Assert.True(onTime.Succeeded, onTime.ToString());
    }

    [Fact]
    public void Read_MoreEnvelopesThanTheSizeLimit_StaysBoundedAndEveryReadSucceeds()
    {
        using var cache = Create(2);
        var envelopes = Enumerable.Range(0, 6).Select(i => Write(EnvelopeTestData.LocalKey, EnvelopeTestData.Envelope() with { RequestId = $"req-{i}" })).ToList();

        var first = envelopes.Select(cache.Read).ToList();
        var again = envelopes.Select(cache.Read).ToList();

        Assert.All(first.Concat(again), r => Assert.True(r.Succeeded, r.ToString()));
        // At most two verified results are remembered: the other envelopes are verified again (a new result).
        var reused = first.Zip(again).Count(pair => ReferenceEquals(pair.First, pair.Second));
        Assert.InRange(reused, 0, 2);
    }

    [Theory]
    [InlineData(null, EnvelopeFailureCodes.Missing)]
    [InlineData("", EnvelopeFailureCodes.Missing)]
    [InlineData("a.b.c", EnvelopeFailureCodes.Invalid)]
    public void Read_MissingOrMalformed_SameAsTheReader(string? token, string code)
    {
        Assert.Equal(code, _cache.Read(token).FailureCode);
        Assert.Equal(code, _cache.Read(token).FailureCode); // failures are not remembered as anything else
    }

    private string Write(EnvelopeKey key, TenantEnvelope? envelope = null) =>
        new TenantEnvelopeWriter(key, EnvelopeTestData.Issuer, _clock).Write(envelope ?? EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

    private VerifiedEnvelopeCache Create(int size) =>
        new(
            new TenantEnvelopeReader([EnvelopeTestData.LocalKey], EnvelopeTestData.Issuer, EnvelopeTestData.Audience, _clock),
            Options.Create(new TenantContextOptions { Audience = EnvelopeTestData.Audience, EnvelopeCacheSize = size }),
            _clock);
}
