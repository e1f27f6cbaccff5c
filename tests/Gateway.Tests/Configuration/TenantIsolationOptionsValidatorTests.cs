using Gateway.Configuration;
using Gateway.Envelopes;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;

namespace Gateway.Tests.Configuration;

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

        var result = new TenantIsolationOptionsValidator(configuration).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal("read-write", options.Roles["ADMINISTRATOR"]);
        Assert.Equal("read-write", options.Roles["MEMBER"]);
        Assert.Equal("read-only", options.Roles["VIEWER"]);
        Assert.Equal(["ByName"], options.Tables["Applications"].Indexes);
    }

    [Theory]
    [InlineData("Production", false)]
    [InlineData("Staging", false)]
    [InlineData("Development", true)]
    [InlineData("Local", true)]
    public void Validate_PublishedDevelopmentEnvelopeKey_OnlyInDevelopmentOrLocal(string environment, bool valid)
    {
        var result = new TenantIsolationOptionsValidator(environment: Environment(environment)).Validate(null, TestOptions.Valid());

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            var failure = Assert.Single(result.Failures!);
            Assert.StartsWith("TenantIsolation:Envelopes:applications:Current:Key is a published development key", failure, StringComparison.Ordinal);
            Assert.DoesNotContain(TestOptions.LocalKey, failure, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_PublishedKeyAsPreviousUnderAnotherKeyId_RefusedInProduction()
    {
        // Compared by key bytes, not by key id.
        var options = TestOptions.Valid();
        options.Envelopes["applications"].Current = new EnvelopeKeyOptions { KeyId = "prod-2", Key = SecretKey() };
        options.Envelopes["applications"].Previous = new EnvelopeKeyOptions { KeyId = "prod-1", Key = TestOptions.LocalKey };

        var result = new TenantIsolationOptionsValidator(environment: Environment("Production")).Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("TenantIsolation:Envelopes:applications:Previous:Key is a published development key", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SecretEnvelopeKeysInProduction_Succeeds()
    {
        var options = TestOptions.Valid();
        options.Envelopes["applications"].Current = new EnvelopeKeyOptions { KeyId = "prod-2", Key = SecretKey() };
        options.Envelopes["applications"].Previous = new EnvelopeKeyOptions { KeyId = "prod-1", Key = SecretKey() };

        var result = new TenantIsolationOptionsValidator(environment: Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("url-safe-unpadded")]
    [InlineData("openssl-wrapped")]
    public void Validate_EnvelopeKeyInEveryFormBackendsAccept_Succeeds(string form)
    {
        // One base64 rule on both sides (EnvelopeKey.TryDecodeBase64): a key a backend accepts, the gateway accepts.
        var standard = SecretKey();
        var options = TestOptions.Valid();
        options.Envelopes["applications"].Current = new EnvelopeKeyOptions
        {
            KeyId = "prod-2",
            Key = form == "openssl-wrapped" ? standard[..64] + "\n" + standard[64..] : standard.TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        };

        var result = new TenantIsolationOptionsValidator(environment: Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_PublishedKeyUrlSafeEncoded_StillRefusedInProduction()
    {
        var options = TestOptions.Valid();
        options.Envelopes["applications"].Current!.Key = TestOptions.LocalKey.TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var result = new TenantIsolationOptionsValidator(environment: Environment("Production")).Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("TenantIsolation:Envelopes:applications:Current:Key is a published development key", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64 $$$", "TenantIsolation:Envelopes:applications:Current:Key is not valid base64.")]
    [InlineData(" prod-2", "TenantIsolation:Envelopes:applications:Current:KeyId must not contain control characters or surrounding whitespace.")]
    public void Validate_InvalidKeyOrKeyId_NamesTheKey(string value, string expected)
    {
        var options = TestOptions.Valid();
        var current = options.Envelopes["applications"].Current!;
        if (expected.Contains(":KeyId ", StringComparison.Ordinal))
        {
            current.KeyId = value;
        }
        else
        {
            current.Key = value;
        }

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(expected, Assert.Single(result.Failures!));
    }

    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };

    private static string SecretKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));

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

        var result = new TenantIsolationOptionsValidator(configuration).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures, f => f.Contains("TenantIsolation:RoleArn", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.Contains("TenantIsolation:Envelopes:applications:Current:Key", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEveryErrorAtOnce()
    {
        var options = TestOptions.Valid();
        options.RoleArn = null;
        options.CredentialLifetime = TimeSpan.FromMinutes(5);
        options.Roles["BILLING"] = "no-such-set";
        options.Membership.PositiveTtl = TimeSpan.FromMinutes(5);
        options.Envelopes["applications"].Current!.Key = "c2hvcnQ=";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:open:ClusterId"] = "applications",
            ["ReverseProxy:Routes:open:Match:Path"] = "/open/{**rest}",
            ["ReverseProxy:Clusters:applications:Destinations:d1:Address"] = "http://127.0.0.1:1/",
        }).Build();

        var result = new TenantIsolationOptionsValidator(configuration).Validate(null, options);

        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:RoleArn is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:CredentialLifetime", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Roles:BILLING", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Membership:PositiveTtl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("TenantIsolation:Envelopes:applications:Current:Key must decode to exactly 64 bytes", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("ReverseProxy:Routes:open:AuthorizationPolicy is required", StringComparison.Ordinal));
        Assert.True(failures.Count >= 6);
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

    [Fact]
    public void Validate_TenantRouteAnonymousOrWithoutEnvelopeKey_Fails()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:a:ClusterId"] = "other",
            ["ReverseProxy:Routes:a:AuthorizationPolicy"] = "anonymous",
            ["ReverseProxy:Routes:a:Metadata:TenantIsolation"] = "true",
            ["ReverseProxy:Routes:ok:ClusterId"] = "applications",
            ["ReverseProxy:Routes:ok:AuthorizationPolicy"] = "tenant",
            ["ReverseProxy:Routes:ok:Metadata:TenantIsolation"] = "true",
            ["ReverseProxy:Clusters:other:Destinations:d1:Address"] = "http://127.0.0.1:1/",
            ["ReverseProxy:Clusters:applications:Destinations:d1:Address"] = "http://127.0.0.1:1/",
        }).Build();

        var failures = new TenantIsolationOptionsValidator(configuration).Validate(null, TestOptions.Valid()).Failures!.ToList();

        Assert.Contains(failures, f => f.Contains("ReverseProxy:Routes:a:AuthorizationPolicy must not be 'anonymous'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ReverseProxy:Routes:a is tenant-isolated but its cluster 'other' has no envelope key", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("Routes:ok", StringComparison.Ordinal));
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
    [InlineData("X-Internal-Debug", true)]
    [InlineData("x_legacy_*", true)]
    [InlineData("*", false)]
    [InlineData("", false)]
    [InlineData("X Bad", false)]
    [InlineData("X-Bad:", false)]
    [InlineData("X-*-Mid", false)]
    public void Validate_StripHeaders_OnlyHeaderNamesOrPrefixesAccepted(string entry, bool valid)
    {
        var options = TestOptions.Valid();
        options.Forwarding.StripHeaders = [entry];

        var result = new TenantIsolationOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("TenantIsolation:Forwarding:StripHeaders:0", result.FailureMessage, StringComparison.Ordinal);
        }
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
}
