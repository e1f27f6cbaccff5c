using System.Security.Cryptography;
using Gateway.Isolation.Configuration;

namespace Gateway.Isolation.Tests.Configuration;

public sealed class SharedCacheOptionsValidatorTests
{
    private static readonly string Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static List<string> Validate(SharedCacheOptions options)
    {
        var errors = new List<string>();
        SharedCacheOptionsValidator.Validate(options, "TenantIsolation:SharedCache", errors);
        return errors;
    }

    [Fact]
    public void Validate_NoRedis_Succeeds()
        => Assert.Empty(Validate(new SharedCacheOptions()));

    [Fact]
    public void Validate_RedisWithSealingKey_Succeeds()
        => Assert.Empty(Validate(new SharedCacheOptions { Redis = "127.0.0.1:6379", Sealing = { ActiveKeyId = "k1", Keys = { ["k1"] = Key } } }));

    [Theory]
    [InlineData("127.0.0.1:6379,password=secret,ssl=true", true)]
    [InlineData("redis.internal:6379,abortConnect=false", true)]
    [InlineData("127.0.0.1:6379,notAnOption=1", false)]
    [InlineData(",,,", false)]
    public void Validate_RedisConfigurationString_MalformedNamedAtStartUp(string redis, bool valid)
    {
        var errors = Validate(new SharedCacheOptions { Redis = redis, Sealing = { ActiveKeyId = "k1", Keys = { ["k1"] = Key } } });

        Assert.Equal(valid, !errors.Any(e => e.StartsWith("TenantIsolation:SharedCache:Redis is not", StringComparison.Ordinal)));
        Assert.DoesNotContain(errors, e => e.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RedisWithoutSealingKey_NamesTheKey()
    {
        var errors = Validate(new SharedCacheOptions { Redis = "127.0.0.1:6379" });

        Assert.Contains(errors, e => e.StartsWith("TenantIsolation:SharedCache:Sealing:ActiveKeyId is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ActiveKeyIdNotListed_Fails()
    {
        var errors = Validate(new SharedCacheOptions { Redis = "127.0.0.1:6379", Sealing = { ActiveKeyId = "k2", Keys = { ["k1"] = Key } } });

        Assert.Contains(errors, e => e.Contains("names no key", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Validate_KeyNot32Bytes_FailsWithoutEchoingIt(string material)
    {
        var errors = Validate(new SharedCacheOptions { Redis = "127.0.0.1:6379", Sealing = { ActiveKeyId = "k1", Keys = { ["k1"] = material } } });

        var error = Assert.Single(errors);
        Assert.Contains("TenantIsolation:SharedCache:Sealing:Keys:k1 must be 32 bytes", error, StringComparison.Ordinal);
        Assert.DoesNotContain(material, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EveryProblem_ReportedAtOnce()
    {
        var errors = Validate(new SharedCacheOptions { Redis = "r:1", KeyPrefix = "bad prefix*", OperationTimeout = TimeSpan.Zero, LockWait = TimeSpan.Zero });

        Assert.Equal(4, errors.Count);
    }
}
