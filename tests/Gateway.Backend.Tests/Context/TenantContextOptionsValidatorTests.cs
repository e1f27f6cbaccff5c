using Gateway.Backend.Context;
using Gateway.Envelopes;
using Gateway.Envelopes.Tests;
using Microsoft.Extensions.Hosting.Internal;

namespace Gateway.Backend.Tests.Context;

public sealed class TenantContextOptionsValidatorTests
{
    [Fact]
    public void Validate_LocalConfiguration_Succeeds()
    {
        var result = new TenantContextOptionsValidator().Validate(null, Valid());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_EverythingWrong_ReportsEveryErrorByKeyWithoutEchoingKeys()
    {
        var options = new TenantContextOptions { Audience = "", Issuer = " ", RejectionStatusCode = 500 };
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "k1", Key = "dG9vLXNob3J0LXNlY3JldA==" });
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "k1", Key = EnvelopeTestData.LocalKeyBase64 });
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "", Key = EnvelopeTestData.LocalKeyBase64 });
        options.DynamoDb.ServiceUrl = "localhost:4566";
        options.DynamoDb.Region = "";

        var result = new TenantContextOptionsValidator().Validate(null, options);

        Assert.False(result.Succeeded);
        var failures = result.Failures!.ToArray();
        Assert.Contains(failures, f => f.Contains("TenantContext:Audience", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Issuer", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:RejectionStatusCode", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Keys:0:Key", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Keys:1:KeyId 'k1' is a duplicate", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:Keys:2:KeyId", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:DynamoDb:ServiceUrl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("TenantContext:DynamoDb:Region", StringComparison.Ordinal));
        Assert.DoesNotContain("dG9vLXNob3J0LXNlY3JldA", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-east-1", null, true)]
    [InlineData("mars-north-1", null, false)]
    [InlineData("local", "http://127.0.0.1:4566", true)]
    public void Validate_Region_KnownUnlessServiceUrlOverrides(string region, string? serviceUrl, bool valid)
    {
        var options = Valid();
        options.DynamoDb.Region = region;
        options.DynamoDb.ServiceUrl = serviceUrl;

        Assert.Equal(valid, new TenantContextOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("00:00:01", "00:00:02", "00:00:01", null)]
    [InlineData("00:00:00", "00:00:02", "00:00:01", "TenantContext:DynamoDb:ConnectTimeout")]
    [InlineData("00:00:03", "00:00:02", "00:00:01", "TenantContext:DynamoDb:ConnectTimeout")]
    [InlineData("00:00:01", "00:00:02", "00:00:00.500", "TenantContext:DynamoDb:RetryAfter")]
    [InlineData("00:00:01", "00:00:02", "00:06:00", "TenantContext:DynamoDb:RetryAfter")]
    public void Validate_ConnectTimeoutAndRetryAfter_Bounded(string connectTimeout, string timeout, string retryAfter, string? failingKey)
    {
        var options = Valid();
        options.DynamoDb.ConnectTimeout = TimeSpan.Parse(connectTimeout, System.Globalization.CultureInfo.InvariantCulture);
        options.DynamoDb.Timeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture);
        options.DynamoDb.RetryAfter = TimeSpan.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture);

        var result = new TenantContextOptionsValidator().Validate(null, options);

        Assert.Equal(failingKey is null, result.Succeeded);
        if (failingKey is not null)
        {
            Assert.Contains(result.Failures!, f => f.Contains(failingKey, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_NoKeys_Fails()
    {
        var options = Valid();
        options.Keys.Clear();

        var result = new TenantContextOptionsValidator().Validate(null, options);

        Assert.Contains("TenantContext:Keys", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production", false)]
    [InlineData("Staging", false)]
    [InlineData("Development", true)]
    [InlineData("Local", true)]
    [InlineData("local", true)]
    public void Validate_PublishedDevelopmentKey_OnlyInDevelopmentOrLocal(string environment, bool valid)
    {
        var result = new TenantContextOptionsValidator(Environment(environment)).Validate(null, Valid());

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            var failure = Assert.Single(result.Failures!);
            Assert.StartsWith("TenantContext:Keys:0:Key is a published development key", failure, StringComparison.Ordinal);
            Assert.DoesNotContain(EnvelopeTestData.LocalKeyBase64, failure, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_PublishedKeyUnderAnotherIdAndUrlSafeEncoding_StillRefusedInProduction()
    {
        // Compared by key bytes: renaming the key id or re-encoding the base64 does not make it secret.
        var options = Valid();
        options.Keys.Clear();
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "prod-2026", Key = Convert.ToBase64String(EnvelopeTestData.KeyOf("prod-2026", 7).Key.Span) });
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "prod-2025", Key = EnvelopeTestData.LocalKeyBase64.TrimEnd('=').Replace('+', '-').Replace('/', '_') });

        var result = new TenantContextOptionsValidator(Environment("Production")).Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("TenantContext:Keys:1:Key is a published development key", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SecretKeyInProduction_Succeeds()
    {
        var options = Valid();
        options.Keys.Clear();
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "prod-2026", Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)) });

        var result = new TenantContextOptionsValidator(Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_OpensslWrappedKey_Succeeds()
    {
        // `openssl rand -base64 64` wraps at 64 characters; the one base64 rule (EnvelopeKey.TryDecodeBase64) ignores whitespace.
        var standard = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        var options = Valid();
        options.Keys.Clear();
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "prod-2026", Key = standard[..64] + "\n" + standard[64..] + "\n" });

        var result = new TenantContextOptionsValidator(Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_KeyIdWithSurroundingWhitespace_NamesTheKeyId()
    {
        var options = Valid();
        options.Keys.Clear();
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "prod-2026 ", Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)) });

        var result = new TenantContextOptionsValidator().Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("TenantContext:Keys:0:KeyId must be 1-128 characters", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:09", false)]
    [InlineData("00:00:10", true)]
    [InlineData("00:05:30", true)]
    [InlineData("01:00:00", true)]
    [InlineData("01:00:01", false)]
    [InlineData("-00:05:00", false)]
    public void Validate_MaxEnvelopeLifetime_BetweenTenSecondsAndOneHour(string value, bool valid)
    {
        var options = Valid();
        options.MaxEnvelopeLifetime = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);

        var result = new TenantContextOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        Assert.Equal(valid, result.FailureMessage is null || !result.FailureMessage.Contains("TenantContext:MaxEnvelopeLifetime", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(1024, true)]
    [InlineData(1_000_001, false)]
    public void Validate_EnvelopeCacheSize_ZeroToAMillion(int size, bool valid)
    {
        var options = Valid();
        options.EnvelopeCacheSize = size;

        var result = new TenantContextOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        Assert.Equal(valid, result.FailureMessage is null || !result.FailureMessage.Contains("TenantContext:EnvelopeCacheSize", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxEnvelopeLifetime_Default_GatewayEnvelopeLifetimePlusSkew()
        => Assert.Equal(TimeSpan.FromSeconds(330), new TenantContextOptions().MaxEnvelopeLifetime);

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };

    private static TenantContextOptions Valid()
    {
        var options = new TenantContextOptions { Audience = "applications" };
        options.Keys.Add(new EnvelopeKeyOptions { KeyId = "local-1", Key = EnvelopeTestData.LocalKeyBase64 });
        return options;
    }
}
