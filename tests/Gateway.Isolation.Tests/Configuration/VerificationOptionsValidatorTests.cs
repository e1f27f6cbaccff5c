using Gateway.Isolation.Configuration;

namespace Gateway.Isolation.Tests.Configuration;

public sealed class VerificationOptionsValidatorTests
{
    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("00:01:00", true)]
    [InlineData("01:00:00", true)]
    [InlineData("00:00:59", false)]
    [InlineData("-00:05:00", false)]
    public void Validate_Interval_ZeroOrAtLeastOneMinute(string interval, bool valid)
    {
        var options = TestOptions.Valid();
        options.Verification.Interval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture);

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains(result.Failures!, f => f.Contains("TenantIsolation:Verification:Interval", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "canary-a", "canary-b" }, true)]
    [InlineData(new[] { "canary-a" }, false)]
    [InlineData(new[] { "canary-a", "canary-a" }, false)]
    [InlineData(new[] { "canary-a", "not valid" }, false)]
    public void Validate_Organizations_EmptyOrTwoDistinctValidIds(string[] organizations, bool valid)
    {
        var options = TestOptions.Valid();
        options.Verification.Interval = TimeSpan.FromMinutes(5);
        options.Verification.Organizations = [.. organizations];

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains(result.Failures!, f => f.Contains("TenantIsolation:Verification:Organizations", StringComparison.Ordinal));
        }
    }
}
