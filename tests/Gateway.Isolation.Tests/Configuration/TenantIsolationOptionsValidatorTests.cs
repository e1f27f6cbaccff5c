using Gateway.Isolation.Configuration;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;

namespace Gateway.Isolation.Tests.Configuration;

public sealed class TenantIsolationOptionsValidatorTests
{
    [Fact]
    public void Validate_ValidOptions_Succeeds()
    {
        var result = new TenantIsolationOptionsValidator().Validate(null, TestOptions.Valid());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_ShippedLocalConfiguration_Succeeds()
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(RepoPaths.Root)
            .AddJsonFile("appsettings.json")
            .AddJsonFile("appsettings.Local.json")
            .Build();
        var options = configuration.GetSection(TenantIsolationOptions.SectionName).Get<TenantIsolationOptions>()!;

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("read-write", options.Roles["ADMINISTRATOR"]);
        Assert.Equal("read-write", options.Roles["MEMBER"]);
        Assert.Equal("read-only", options.Roles["VIEWER"]);
        Assert.Equal(["ByName"], options.Tables["Applications"].Indexes);
    }

    [Theory]
    [InlineData("tenant-gateway", true)]
    [InlineData("gw_1+=,.@-", true)]
    [InlineData("g", false)]
    [InlineData("has space", false)]
    [InlineData("aws:gateway", false)]
    [InlineData("", false)]
    public void Validate_SourceIdentity_SessionNameRules(string sourceIdentity, bool valid)
    {
        var options = TestOptions.Valid();
        options.SourceIdentity = sourceIdentity;

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains(result.Failures!, f => f.Contains("TenantIsolation:SourceIdentity", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("ByName", true)]
    [InlineData("*", false)]
    [InlineData("By/Name", false)]
    public void Validate_IndexNames_OnlyValidDynamoDbNamesAccepted(string index, bool valid)
    {
        var options = TestOptions.Valid();
        options.Tables["Applications"].Indexes = [index];

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains(result.Failures!, f => f.Contains("TenantIsolation:Tables:Applications:Indexes:0", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_ShippedProductionConfigurationWithoutSecrets_FailsListingWhatIsMissing()
    {
        var configuration = new ConfigurationBuilder().SetBasePath(RepoPaths.Root).AddJsonFile("appsettings.json").Build();
        var options = configuration.GetSection(TenantIsolationOptions.SectionName).Get<TenantIsolationOptions>()!;

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures, f => f.Contains("TenantIsolation:RoleArn", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEveryErrorAtOnce()
    {
        var options = TestOptions.Valid();
        options.RoleArn = null;
        options.CredentialLifetime = TimeSpan.FromMinutes(5);
        options.Roles["BILLING"] = "no-such-set";
        options.Membership.PositiveTtl = TimeSpan.FromMinutes(5);
        options.Sts.MaxRetries = 11;

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:RoleArn is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:CredentialLifetime", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Roles:BILLING", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Membership:PositiveTtl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Sts:MaxRetries", StringComparison.Ordinal));
        Assert.True(failures.Count >= 5);
    }

    [Fact]
    public void Validate_PermissionSetTooLargeForStsLimit_FailsNamingThePermissionSet()
    {
        var options = TestOptions.Valid();
        var huge = new PermissionSetOptions();
        for (var i = 0; i < 12; i++)
        {
            var table = $"TenantTableWithAFairlyLongName{i:D2}";
            options.Tables[table] = new TenantTableOptions { PartitionKey = "organizationId", PartiQL = true };
            huge.Tables[table] = TableAccessLevel.ReadWrite;
        }

        options.PermissionSets["everything"] = huge;

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("'everything'", failure, StringComparison.Ordinal);
        Assert.Contains("2048", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:30", "00:00:40", false)] // buffer longer than refresh-ahead
    [InlineData("00:40:00", "00:01:00", false)] // refresh-ahead over half the lifetime
    [InlineData("00:10:00", "00:02:00", true)]
    public void Validate_RefreshThresholds_AreChecked(string refreshAhead, string expiryBuffer, bool valid)
    {
        var options = TestOptions.Valid();
        options.RefreshAhead = TimeSpan.Parse(refreshAhead, System.Globalization.CultureInfo.InvariantCulture);
        options.ExpiryBuffer = TimeSpan.Parse(expiryBuffer, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(valid, new TenantIsolationOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(0.5, 1, true)]
    [InlineData(0, 1, false)]
    [InlineData(1.5, 1, false)]
    [InlineData(0.5, 0, false)]
    public void Validate_StsHealthThresholds_RangeChecked(double ratio, int minimumCalls, bool valid)
    {
        var options = TestOptions.Valid();
        options.Sts.HealthFailureRatio = ratio;
        options.Sts.HealthMinimumCalls = minimumCalls;

        Assert.Equal(valid, new TenantIsolationOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(1, "00:00:02", 1, true)]
    [InlineData(600, "00:00:06", 1000, true)]
    [InlineData(0, "00:00:02", 1, false)]
    [InlineData(601, "00:00:02", 1, false)]
    [InlineData(100, "00:00:00.050", 1, false)]
    [InlineData(100, "00:00:07", 1, false)] // longer than TotalTimeout (6 s)
    [InlineData(100, "00:00:02", 0, false)]
    public void Validate_StsBudget_RangeChecked(int perSecond, string admissionTimeout, int expectedInstances, bool valid)
    {
        var options = TestOptions.Valid();
        options.Sts.MaxAssumeRolePerSecond = perSecond;
        options.Sts.AdmissionTimeout = TimeSpan.Parse(admissionTimeout, System.Globalization.CultureInfo.InvariantCulture);
        options.Sts.ExpectedInstances = expectedInstances;

        Assert.Equal(valid, new TenantIsolationOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void StsBudget_Defaults_HundredPerSecondTwoSecondsFleetSizeFromRateLimits()
    {
        var sts = new StsResilienceOptions();
        Assert.Equal((100, TimeSpan.FromSeconds(2), (int?)null), (sts.MaxAssumeRolePerSecond, sts.AdmissionTimeout, sts.ExpectedInstances));
        Assert.Equal(1, new RateLimitOptions().ExpectedInstances);
    }

    [Theory]
    [InlineData("00:00:30", true)]
    [InlineData("00:00:01", true)]
    [InlineData("01:00:00", true)]
    [InlineData("00:00:00.500", false)]
    [InlineData("00:00:00", false)]
    [InlineData("01:00:01", false)]
    public void Validate_RejectionCooldown_RangeChecked(string cooldown, bool valid)
    {
        var options = TestOptions.Valid();
        options.Cache.RejectionCooldown = TimeSpan.Parse(cooldown, System.Globalization.CultureInfo.InvariantCulture);

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        Assert.Equal(valid, result.FailureMessage?.Contains("TenantIsolation:Cache:RejectionCooldown", StringComparison.Ordinal) != true);
    }

    [Fact]
    public void RejectionCooldown_Default_ThirtySeconds() => Assert.Equal(TimeSpan.FromSeconds(30), new CredentialCacheOptions().RejectionCooldown);

    [Theory]
    [InlineData("00:00:10", "00:00:05", true)]
    [InlineData("00:00:01", "00:00:00", true)]
    [InlineData("00:10:00", "00:01:00", true)]
    [InlineData("00:00:00.500", "00:00:05", false)]
    [InlineData("00:10:01", "00:00:05", false)]
    [InlineData("00:00:10", "-00:00:01", false)]
    [InlineData("00:00:10", "00:01:01", false)]
    public void Validate_Revocations_RangeChecked(string pollInterval, string clockSkew, bool valid)
    {
        var options = TestOptions.Valid();
        options.Revocations.PollInterval = TimeSpan.Parse(pollInterval, System.Globalization.CultureInfo.InvariantCulture);
        options.Revocations.ClockSkew = TimeSpan.Parse(clockSkew, System.Globalization.CultureInfo.InvariantCulture);

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        Assert.Equal(valid, result.FailureMessage?.Contains("TenantIsolation:Revocations:", StringComparison.Ordinal) != true);
    }

    [Fact]
    public void Revocations_Defaults_OnEveryTenSecondsWithFiveSecondsOfSkew()
    {
        var options = new RevocationOptions();
        Assert.True(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(10), options.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ClockSkew);
    }
}
