using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Envelopes.Tests;

public sealed class TenantEnvelopeReaderTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _clock = EnvelopeTestData.Clock();

    [Fact]
    public void Read_RoundTrip_ReturnsEveryField()
    {
        var envelope = EnvelopeTestData.Envelope();
        var token = Writer().Write(envelope, EnvelopeTestData.Audience, Lifetime);

        var result = Reader().Read(token);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(envelope, result.Envelope);
        Assert.Null(result.FailureCode);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    public void Read_RoundTrip_ShardCount(int shards)
    {
        var envelope = EnvelopeTestData.Envelope() with { Shards = shards };
        var token = Writer().Write(envelope, EnvelopeTestData.Audience, Lifetime);

        var result = Reader().Read(token);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(shards, result.Envelope!.Shards);
        Assert.Equal(envelope, result.Envelope);
    }

    /// <summary>Backward compatible: an envelope without the claim (an older gateway, an unsharded organization) is 1.</summary>
    [Fact]
    public void Read_NoShardsClaim_One()
    {
        var token = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(token);

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(1, result.Envelope!.Shards);
    }

    public static TheoryData<object> ImplausibleShards => new() { 0, 3, 128, -8, 8.5, "8", true };

    [Theory]
    [MemberData(nameof(ImplausibleShards))]
    public void Read_ImplausibleShardsClaim_Invalid(object value)
    {
        var claims = ValidClaims();
        claims["shards"] = value;
        var token = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey)));
        claims["shards"] = 8;
        var twin = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(token);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.Equal("implausible claim 'shards'", result.FailureReason);
        Assert.Equal(8, Reader().Read(twin).Envelope!.Shards);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(128)]
    public void Write_InvalidShardCount_Refused(int shards)
        => Assert.Throws<ArgumentException>(() => Writer().Write(EnvelopeTestData.Envelope() with { Shards = shards }, EnvelopeTestData.Audience, Lifetime));

    [Fact]
    public void Read_Success_ExpiresAtExpWithoutSkew()
    {
        var token = Writer().Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var result = Reader().Read(token);

        Assert.Equal(EnvelopeTestData.Start + Lifetime, result.ExpiresAt);
    }

    [Fact]
    public void Read_CredentialsExpireFirst_ExpiresAtTheCredentials()
    {
        var credentials = EnvelopeTestData.Start.AddMinutes(2);
        var token = Writer().Write(EnvelopeTestData.Envelope(credentialExpiration: credentials), EnvelopeTestData.Audience, Lifetime);

        var result = Reader().Read(token);

        Assert.Equal(credentials, result.ExpiresAt);
    }

    [Fact]
    public void Read_Failure_NoExpiresAt()
    {
        var result = Reader().Read("a.b.c.d.e");

        Assert.False(result.Succeeded);
        Assert.Null(result.ExpiresAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_NoEnvelope_Missing(string? token)
    {
        var result = Reader().Read(token);

        Assert.False(result.Succeeded);
        Assert.Equal(EnvelopeFailureCodes.Missing, result.FailureCode);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c.d.e")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIiwia2lkIjoibG9jYWwtMSJ9....")]
    public void Read_Malformed_Invalid(string token)
    {
        var result = Reader().Read(token);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
    }

    [Fact]
    public void Read_SameKidDifferentKey_Invalid()
    {
        var token = new TenantEnvelopeWriter(EnvelopeTestData.KeyOf("local-1", 9), EnvelopeTestData.Issuer, _clock)
            .Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var wrongKey = Reader().Read(token);
        var rightKey = Reader(EnvelopeTestData.KeyOf("local-1", 9)).Read(token);

        Assert.Equal(EnvelopeFailureCodes.Invalid, wrongKey.FailureCode);
        Assert.Equal("decryption failed", wrongKey.FailureReason);
        Assert.True(rightKey.Succeeded);
    }

    [Fact]
    public void Read_UnknownKid_InvalidWithoutDecrypting()
    {
        var token = new TenantEnvelopeWriter(EnvelopeTestData.KeyOf("other", 1), EnvelopeTestData.Issuer, _clock)
            .Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var unknown = Reader().Read(token);
        var known = Reader(EnvelopeTestData.LocalKey, EnvelopeTestData.KeyOf("other", 1)).Read(token);

        Assert.Equal(EnvelopeFailureCodes.Invalid, unknown.FailureCode);
        Assert.Equal("unknown key id", unknown.FailureReason);
        Assert.True(known.Succeeded);
    }

    [Fact]
    public void Read_KeyRotation_PreviousKeyStillAcceptedUntilRemoved()
    {
        var previous = EnvelopeTestData.KeyOf("2026-02", 2);
        var current = EnvelopeTestData.KeyOf("2026-03", 3);
        var oldToken = new TenantEnvelopeWriter(previous, EnvelopeTestData.Issuer, _clock).Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);
        var newToken = new TenantEnvelopeWriter(current, EnvelopeTestData.Issuer, _clock).Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var ring = Reader(current, previous);
        var retired = Reader(current);

        Assert.True(ring.Read(oldToken).Succeeded);
        Assert.True(ring.Read(newToken).Succeeded);
        Assert.True(retired.Read(newToken).Succeeded);
        Assert.Equal(EnvelopeFailureCodes.Invalid, retired.Read(oldToken).FailureCode);
    }

    [Theory]
    [InlineData(0)] // protected header (authenticated as AAD)
    [InlineData(2)] // IV
    [InlineData(3)] // ciphertext
    [InlineData(4)] // authentication tag
    public void Read_TamperedPart_Invalid(int part)
    {
        var token = Writer().Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);
        var parts = token.Split('.');
        var chars = parts[part].ToCharArray();
        var index = part == 0 ? chars.Length - 2 : chars.Length / 2;
        chars[index] = chars[index] == 'A' ? 'B' : 'A';
        parts[part] = new string(chars);
        var tampered = string.Join('.', parts);

        var result = Reader().Read(tampered);
        var original = Reader().Read(token);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.True(original.Succeeded);
    }

    [Fact]
    public void Read_CiphertextFromAnotherEnvelopeSpliced_Invalid()
    {
        var writer = Writer();
        var acme = writer.Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime).Split('.');
        var globex = writer.Write(EnvelopeTestData.Envelope() with { OrganizationId = "globex" }, EnvelopeTestData.Audience, Lifetime).Split('.');

        var spliced = string.Join('.', acme[0], acme[1], acme[2], globex[3], acme[4]);

        Assert.Equal(EnvelopeFailureCodes.Invalid, Reader().Read(spliced).FailureCode);
    }

    [Theory]
    [InlineData("orders", false)]
    [InlineData("Applications", false)]
    [InlineData("applications", true)]
    public void Read_Audience_MustMatchExactly(string writtenFor, bool accepted)
    {
        var token = Writer().Write(EnvelopeTestData.Envelope(), writtenFor, Lifetime);

        var result = Reader().Read(token);

        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : EnvelopeFailureCodes.Invalid, result.FailureCode);
    }

    [Theory]
    [InlineData("someone-else", false)]
    [InlineData("tenant-gateway ", false)]
    [InlineData("Tenant-Gateway", false)] // differs only in case: issuers compare ordinally, never ignoring case
    [InlineData("TENANT-GATEWAY", false)]
    [InlineData("tenant-gateway", true)]
    public void Read_Issuer_MustMatchExactly(string issuer, bool accepted)
    {
        var token = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, issuer, _clock).Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var result = Reader().Read(token);

        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : EnvelopeFailureCodes.Invalid, result.FailureCode);
    }

    [Theory]
    [InlineData(300 + 29, true)]  // expired, but within the 30 s skew
    [InlineData(300 + 31, false)] // beyond the skew
    [InlineData(3600, false)]
    public void Read_Expiry_SkewOfThirtySeconds(int secondsLater, bool accepted)
    {
        var token = Writer().Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);
        _clock.Advance(TimeSpan.FromSeconds(secondsLater));

        var result = Reader().Read(token);

        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : EnvelopeFailureCodes.Expired, result.FailureCode);
    }

    [Theory]
    [InlineData(9, true)]
    [InlineData(10, false)] // envelope within skew, but the AWS credentials themselves are dead
    public void Read_CredentialsExpired_Expired(int secondsLater, bool accepted)
    {
        var token = Writer().Write(EnvelopeTestData.Envelope(EnvelopeTestData.Start.AddSeconds(10)), EnvelopeTestData.Audience, Lifetime);
        _clock.Advance(TimeSpan.FromSeconds(secondsLater));

        var result = Reader().Read(token);

        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : EnvelopeFailureCodes.Expired, result.FailureCode);
    }

    [Theory]
    [InlineData(29, true)]
    [InlineData(60, false)]
    public void Read_IssuedInTheFuture_InvalidBeyondSkew(int writerAheadSeconds, bool accepted)
    {
        var writerClock = new FakeTimeProvider(EnvelopeTestData.Start.AddSeconds(writerAheadSeconds));
        var token = new TenantEnvelopeWriter(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, writerClock)
            .Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var result = Reader().Read(token);

        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : EnvelopeFailureCodes.Invalid, result.FailureCode);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(30, true)]  // iat = now + skew: accepted
    [InlineData(31, false)] // iat = now + skew + 1 s: refused
    [InlineData(3600, false)]
    public void Read_IssuedAtAheadOfTheClock_AcceptedUpToTheSkew(int iatAheadSeconds, bool accepted)
    {
        // Only iat is ahead (nbf = now, exp = now + 5 min), so nothing but the iat check can refuse it.
        var claims = ValidClaims();
        claims["iat"] = EnvelopeTestData.Start.AddSeconds(iatAheadSeconds).ToUnixTimeSeconds();
        var token = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(token);

        Assert.Equal(TimeSpan.FromSeconds(30), TenantEnvelopeReader.ClockSkew);
        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : "issued in the future", result.FailureReason);
    }

    [Fact]
    public void Read_TenYearEnvelopeUnderTheRightKey_InvalidLifetimeTooLong()
    {
        // Whoever holds a key (a leaked one, or the published development key) cannot mint an envelope that lasts for years.
        var tenYears = TimeSpan.FromDays(3650);
        var claims = ValidClaims();
        claims["aws_exp"] = EnvelopeTestData.Start.Add(tenYears).ToUnixTimeSeconds();
        var forged = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey), lifetime: tenYears));
        var normal = Writer().Write(EnvelopeTestData.Envelope(), EnvelopeTestData.Audience, Lifetime);

        var refused = Reader().Read(forged);
        var accepted = Reader().Read(normal);

        Assert.Equal(EnvelopeFailureCodes.Invalid, refused.FailureCode);
        Assert.Equal("lifetime too long", refused.FailureReason);
        Assert.True(accepted.Succeeded, accepted.ToString());
    }

    [Theory]
    [InlineData(330, null, true)]  // the default maximum: the gateway's 5-minute envelope + 30 s skew
    [InlineData(331, null, false)]
    [InlineData(60, 60, true)]     // a configured maximum
    [InlineData(61, 60, false)]
    public void Read_LifetimeAtOrBeyondMaximum_AcceptedUpToIt(int lifetimeSeconds, int? maxSeconds, bool accepted)
    {
        var token = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: Encrypting(EnvelopeTestData.LocalKey), lifetime: TimeSpan.FromSeconds(lifetimeSeconds)));
        var reader = new TenantEnvelopeReader(
            [EnvelopeTestData.LocalKey], EnvelopeTestData.Issuer, EnvelopeTestData.Audience, _clock,
            maxSeconds is { } max ? TimeSpan.FromSeconds(max) : null);

        var result = reader.Read(token);

        Assert.Equal(accepted, result.Succeeded);
        Assert.Equal(accepted ? null : "lifetime too long", result.FailureReason);
    }

    [Fact]
    public void Read_NoIssuedAt_Invalid()
    {
        // Without iat the lifetime could not be bounded; the gateway always writes it.
        var withoutIat = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: Encrypting(EnvelopeTestData.LocalKey), issuedAt: false));
        var withIat = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(withoutIat);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.Equal("missing iat", result.FailureReason);
        Assert.True(Reader().Read(withIat).Succeeded);
    }

    [Fact]
    public void Read_IssuedAtInTheFarFuture_Invalid()
    {
        // iat pushed forward to make a ten-year exp look short-lived, and no nbf to give it away.
        var later = TimeSpan.FromDays(3650);
        var claims = ValidClaims();
        claims["aws_exp"] = EnvelopeTestData.Start.Add(later).AddHours(1).ToUnixTimeSeconds();
        var forged = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = EnvelopeTestData.Issuer,
            Audience = EnvelopeTestData.Audience,
            IssuedAt = _clock.GetUtcNow().Add(later).UtcDateTime,
            Expires = _clock.GetUtcNow().Add(later).AddMinutes(5).UtcDateTime,
            Claims = claims,
            EncryptingCredentials = Encrypting(EnvelopeTestData.LocalKey),
        });

        var result = Reader().Read(forged);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.Equal("issued in the future", result.FailureReason);
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("iat")]
    [InlineData("nbf")]
    [InlineData("aws_exp")]
    public void Read_TimeClaimBeyondYear9999_InvalidWithoutThrowing(string claim)
    {
        var claims = ValidClaims();
        claims[claim] = 99_999_999_999_999L;
        var outOfRange = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey)));
        var inRange = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(outOfRange);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.True(Reader().Read(inRange).Succeeded);
    }

    [Fact]
    public void Read_UnencryptedJwsSignedWithTheEnvelopeKey_Invalid()
    {
        // Algorithm confusion: a JWS (HS512) whose HMAC key is the envelope key, with otherwise perfect claims.
        var jws = Handler.CreateToken(Descriptor(ValidClaims(), signing: new SigningCredentials(EnvelopeTestData.LocalKey.SecurityKey, SecurityAlgorithms.HmacSha512)));
        var jwe = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        Assert.Equal(EnvelopeFailureCodes.Invalid, Reader().Read(jws).FailureCode);
        Assert.True(Reader().Read(jwe).Succeeded);
    }

    [Fact]
    public void Read_UnsecuredAlgNoneJwt_Invalid()
    {
        var unsecured = Handler.CreateToken(Descriptor(ValidClaims()));

        var result = Reader().Read(unsecured);

        Assert.StartsWith(EnvelopeTestData.Base64Url("{\"alg\":\"none\"")[..10], unsecured, StringComparison.Ordinal);
        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
    }

    [Fact]
    public void Read_JweWithWeakerContentEncryption_Invalid()
    {
        var key32 = new SymmetricSecurityKey(EnvelopeTestData.LocalKey.Key[..32].ToArray()) { KeyId = "local-1" };
        var weaker = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: new EncryptingCredentials(key32, "dir", SecurityAlgorithms.Aes128CbcHmacSha256)));

        var result = Reader().Read(weaker);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.Equal("unsupported algorithm", result.FailureReason);
    }

    [Fact]
    public void Read_JweWithKeyWrapping_Invalid()
    {
        var key32 = new SymmetricSecurityKey(EnvelopeTestData.LocalKey.Key[..32].ToArray()) { KeyId = "local-1" };
        var wrapped = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: new EncryptingCredentials(key32, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512)));

        var result = Reader().Read(wrapped);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
    }

    [Fact]
    public void Read_Oversized_InvalidBeforeDecrypting()
    {
        var huge = Writer().Write(EnvelopeTestData.Envelope(sessionToken: new string('T', TenantEnvelopeReader.MaxEnvelopeLength)), EnvelopeTestData.Audience, Lifetime);
        var realistic = Writer().Write(EnvelopeTestData.Envelope(sessionToken: new string('T', 2048)), EnvelopeTestData.Audience, Lifetime);

        var rejected = Reader().Read(huge);
        var accepted = Reader().Read(realistic);

        Assert.Equal(EnvelopeFailureCodes.Invalid, rejected.FailureCode);
        Assert.Equal("envelope too large", rejected.FailureReason);
        Assert.True(accepted.Succeeded);
    }

    [Theory]
    [InlineData("org")]
    [InlineData("sub")]
    [InlineData("role")]
    [InlineData("rid")]
    [InlineData("ps")]
    [InlineData("aws_akid")]
    [InlineData("aws_secret")]
    [InlineData("aws_token")]
    [InlineData("aws_exp")]
    public void Read_RequiredClaimMissing_Invalid(string claim)
    {
        var claims = ValidClaims();
        claims.Remove(claim);
        var incomplete = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey)));
        var complete = Handler.CreateToken(Descriptor(ValidClaims(), encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(incomplete);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.Contains(claim, result.FailureReason, StringComparison.Ordinal);
        Assert.True(Reader().Read(complete).Succeeded);
    }

    [Theory]
    [InlineData("aws_akid", "ASIAEXAMPLE\n00001")]
    [InlineData("aws_akid", "ASIAEXAMPLE\r00001")]
    [InlineData("aws_akid", "ASIAEXAMPLE 00001")]
    [InlineData("aws_akid", "ASIAEXAMPLE\u008500001")]
    [InlineData("aws_akid", "asiaexample00001")]
    [InlineData("aws_akid", "ASIA-EXAMPLE00001")]
    [InlineData("aws_akid", "ASIAEXAMPLE0001")] // 15 characters
    [InlineData("aws_akid", "ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001X")] // 129
    [InlineData("aws_secret", "wJalrXUtnFEMI/K7MDENG\nbPxRfiCY")]
    [InlineData("aws_secret", "wJalrXUtnFEMI/K7MDENG bPxRfiCY")]
    [InlineData("aws_secret", "wJalrXUtnFEMI/K7MDENG\tbPxRfiCY")]
    [InlineData("aws_secret", "wJalrXUtnFEMI/K7MDENG\u2028bPxRfiCY")]
    [InlineData("aws_token", "IQoJb3JpZ2luX2VjE\r\nX-Amz-Forged: 1")]
    [InlineData("aws_token", "IQoJb3JpZ2luX2VjE\u0000")]
    [InlineData("aws_token", "IQoJb3JpZ2luX2VjE\u00a0")]
    public void Read_ImplausibleCredential_InvalidNamingOnlyTheClaim(string claim, string value)
    {
        var claims = ValidClaims();
        claims[claim] = value;
        var implausible = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(implausible);

        Assert.Equal(EnvelopeFailureCodes.Invalid, result.FailureCode);
        Assert.Equal($"implausible claim '{claim}'", result.FailureReason);
        Assert.DoesNotContain(value, result.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aws_akid", "ASIAEXAMPLE00001")] // 16 characters
    [InlineData("aws_akid", "AKIAIOSFODNN7EXAMPLE")]
    [InlineData("aws_akid", "ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001ASIAEXAMPLE00001")] // 128
    [InlineData("aws_secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    [InlineData("aws_secret", "a+b/c=d!~")]
    [InlineData("aws_token", "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==")]
    public void Read_PlausibleCredential_Accepted(string claim, string value)
    {
        var claims = ValidClaims();
        claims[claim] = value;
        var plausible = Handler.CreateToken(Descriptor(claims, encrypting: Encrypting(EnvelopeTestData.LocalKey)));

        var result = Reader().Read(plausible);

        Assert.True(result.Succeeded, result.ToString());
    }

    [Fact]
    public void Read_Failures_NeverCarrySecrets()
    {
        var token = Writer().Write(EnvelopeTestData.Envelope(), "orders", Lifetime);

        var result = Reader().Read(token);

        Assert.False(result.Succeeded);
        Assert.DoesNotContain(EnvelopeTestData.Secret, result.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(EnvelopeTestData.Token, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_EmptyRingOrDuplicateKid_Throws()
    {
        Assert.Throws<ArgumentException>(() => new TenantEnvelopeReader([], EnvelopeTestData.Issuer, EnvelopeTestData.Audience, _clock));
        Assert.Throws<ArgumentException>(() => Reader(EnvelopeTestData.KeyOf("k", 1), EnvelopeTestData.KeyOf("k", 2)));
    }

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private TenantEnvelopeWriter Writer() => new(EnvelopeTestData.LocalKey, EnvelopeTestData.Issuer, _clock);

    private TenantEnvelopeReader Reader(params EnvelopeKey[] keys) =>
        new(keys.Length == 0 ? [EnvelopeTestData.LocalKey] : keys, EnvelopeTestData.Issuer, EnvelopeTestData.Audience, _clock);

    private static EncryptingCredentials Encrypting(EnvelopeKey key) => new(key.SecurityKey, "dir", SecurityAlgorithms.Aes256CbcHmacSha512);

    private static Dictionary<string, object> ValidClaims() => new()
    {
        ["org"] = "acme",
        ["sub"] = "alice",
        ["role"] = "ADMINISTRATOR",
        ["rid"] = "req-1",
        ["ps"] = "read-write",
        ["aws_akid"] = "ASIAEXAMPLE00001",
        ["aws_secret"] = EnvelopeTestData.Secret,
        ["aws_token"] = EnvelopeTestData.Token,
        ["aws_exp"] = EnvelopeTestData.Start.AddHours(1).ToUnixTimeSeconds(),
    };

    private SecurityTokenDescriptor Descriptor(
        Dictionary<string, object> claims,
        EncryptingCredentials? encrypting = null,
        SigningCredentials? signing = null,
        TimeSpan? lifetime = null,
        bool issuedAt = true) => new()
    {
        Issuer = EnvelopeTestData.Issuer,
        Audience = EnvelopeTestData.Audience,
        IssuedAt = issuedAt && !claims.ContainsKey("iat") ? _clock.GetUtcNow().UtcDateTime : null,
        NotBefore = claims.ContainsKey("nbf") ? null : _clock.GetUtcNow().UtcDateTime,
        Expires = claims.ContainsKey("exp") ? null : _clock.GetUtcNow().Add(lifetime ?? TimeSpan.FromMinutes(5)).UtcDateTime,
        Claims = claims,
        EncryptingCredentials = encrypting,
        SigningCredentials = signing,
    };
}
