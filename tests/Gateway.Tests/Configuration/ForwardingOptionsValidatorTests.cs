using Gateway.Configuration;

namespace Gateway.Tests.Configuration;

public sealed class ForwardingOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds() => Assert.True(new ForwardingOptionsValidator().Validate(null, new ForwardingOptions()).Succeeded);

    [Theory]
    [InlineData("X-Internal-Debug", true)]
    [InlineData("x_legacy_*", true)]
    [InlineData("*", false)]
    [InlineData("", false)]
    [InlineData("X Bad", false)]
    [InlineData("X-Bad:", false)]
    [InlineData("X-*-Mid", false)]
    public void Validate_StripHeaders_OnlyHeaderNamesOrPrefixesAccepted(string entry, bool valid)
    {
        var options = new ForwardingOptions { StripHeaders = [entry] };

        var result = new ForwardingOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("TenantIsolation:Forwarding:StripHeaders:0", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_NegativeEnvelopesPerCredential_FailsNamingTheNewKey()
    {
        var failure = Assert.Single(new ForwardingOptionsValidator().Validate(null, new ForwardingOptions { EnvelopesPerCredential = -1 }).Failures!);

        Assert.StartsWith("TenantIsolation:Forwarding:EnvelopesPerCredential must not be negative", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.500", "00:00:05", "ActivityTimeout")]
    [InlineData("00:10:01", "00:00:05", "ActivityTimeout")]
    [InlineData("00:00:20", "00:00:00", "BackendRetryAfter")]
    [InlineData("00:00:20", "00:05:01", "BackendRetryAfter")]
    public void Validate_ForwardingTimeoutOrRetryAfterOutOfRange_FailsNamingTheKey(string activityTimeout, string retryAfter, string key)
    {
        var options = new ForwardingOptions { ActivityTimeout = TimeSpan.Parse(activityTimeout, System.Globalization.CultureInfo.InvariantCulture), BackendRetryAfter = TimeSpan.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture) };

        var failure = Assert.Single(new ForwardingOptionsValidator().Validate(null, options).Failures!);

        Assert.StartsWith($"TenantIsolation:Forwarding:{key} must be between", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_ForwardingTimeoutFarBelowYarps100Seconds_AndBelowTheShutdownTimeout()
    {
        var options = new ForwardingOptions();

        Assert.Equal(TimeSpan.FromSeconds(20), options.ActivityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BackendRetryAfter);
    }
}
