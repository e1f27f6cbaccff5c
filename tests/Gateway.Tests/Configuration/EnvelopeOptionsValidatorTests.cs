using Gateway.Configuration;
using Gateway.Envelopes;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;

namespace Gateway.Tests.Configuration;

public sealed class EnvelopeOptionsValidatorTests
{
    private static HostingEnvironment Environment(string name) => new() { EnvironmentName = name };

    private static string SecretKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));

    [Theory]
    [InlineData("Production", false)]
    [InlineData("Staging", false)]
    [InlineData("Development", true)]
    [InlineData("Local", true)]
    public void Validate_PublishedDevelopmentEnvelopeKey_OnlyInDevelopmentOrLocal(string environment, bool valid)
    {
        var result = new EnvelopeOptionsValidator(Environment(environment)).Validate(null, TestOptions.Envelopes());

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
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current = new GatewayEnvelopeKeyOptions { KeyId = "prod-2", Key = SecretKey() };
        options.Clusters["applications"].Previous = new GatewayEnvelopeKeyOptions { KeyId = "prod-1", Key = TestOptions.LocalKey };

        var result = new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("TenantIsolation:Envelopes:applications:Previous:Key is a published development key", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SecretEnvelopeKeysInProduction_Succeeds()
    {
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current = new GatewayEnvelopeKeyOptions { KeyId = "prod-2", Key = SecretKey() };
        options.Clusters["applications"].Previous = new GatewayEnvelopeKeyOptions { KeyId = "prod-1", Key = SecretKey() };

        var result = new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("url-safe-unpadded")]
    [InlineData("openssl-wrapped")]
    public void Validate_EnvelopeKeyInEveryFormBackendsAccept_Succeeds(string form)
    {
        // One base64 rule on both sides (EnvelopeKey.TryDecodeBase64): a key a backend accepts, the gateway accepts.
        var standard = SecretKey();
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current = new GatewayEnvelopeKeyOptions
        {
            KeyId = "prod-2",
            Key = form == "openssl-wrapped" ? standard[..64] + "\n" + standard[64..] : standard.TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        };

        var result = new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_PublishedKeyUrlSafeEncoded_StillRefusedInProduction()
    {
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current!.Key = TestOptions.LocalKey.TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var result = new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("TenantIsolation:Envelopes:applications:Current:Key is a published development key", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64 $$$", "TenantIsolation:Envelopes:applications:Current:Key is not valid base64.")]
    [InlineData(" prod-2", "TenantIsolation:Envelopes:applications:Current:KeyId must not contain control characters or surrounding whitespace.")]
    public void Validate_InvalidKeyOrKeyId_NamesTheKey(string value, string expected)
    {
        var options = TestOptions.Envelopes();
        var current = options.Clusters["applications"].Current!;
        if (expected.Contains(":KeyId ", StringComparison.Ordinal))
        {
            current.KeyId = value;
        }
        else
        {
            current.Key = value;
        }

        var result = new EnvelopeOptionsValidator().Validate(null, options);

        Assert.Equal(expected, Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_ShortKey_FailsNamingTheKey()
    {
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current!.Key = "c2hvcnQ=";

        var failure = Assert.Single(new EnvelopeOptionsValidator().Validate(null, options).Failures!);

        Assert.StartsWith("TenantIsolation:Envelopes:applications:Current:Key must decode to exactly 64 bytes", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ShippedProductionConfigurationWithoutSecrets_FailsListingTheMissingKey()
    {
        var configuration = new ConfigurationBuilder().SetBasePath(RepoPaths.Root).AddJsonFile("appsettings.json").Build();
        var options = new EnvelopeOptions();
        configuration.GetSection(EnvelopeOptions.SectionName).Bind(options.Clusters);

        var result = new EnvelopeOptionsValidator().Validate(null, options);

        Assert.Contains(result.Failures!, f => f.Contains("TenantIsolation:Envelopes:applications:Current:Key", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ShippedProductionConfiguration_NamesTheCurrentKeysSsmParameter()
    {
        // appsettings.json + appsettings.Production.json, as the Production gateway loads them, before SSM is read.
        var configuration = new ConfigurationBuilder().SetBasePath(RepoPaths.Root)
            .AddJsonFile("appsettings.json").AddJsonFile("appsettings.Production.json").Build();
        var options = new EnvelopeOptions();
        configuration.GetSection(EnvelopeOptions.SectionName).Bind(options.Clusters);

        var result = new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        var current = options.Clusters["applications"].Current!;
        Assert.Equal("/tenant-gateway/applications/current", current.Parameter);
        Assert.Equal(string.Empty, current.Key);
        Assert.False(current.KeyFromParameter);
    }

    [Fact]
    public void Validate_UnreadParameter_ChecksTheNameOnly()
    {
        // The policy command never reads SSM: a parameter without a value is valid when its name is.
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current = new GatewayEnvelopeKeyOptions { KeyId = "prod-2", Parameter = "/tenant-gateway/applications/current" };

        var result = new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("tenant-gateway/applications")]
    [InlineData("/tenant-gateway/applications/current:3")]
    [InlineData("/tenant gateway")]
    public void Validate_InvalidParameterName_FailsNamingTheKey(string name)
    {
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current = new GatewayEnvelopeKeyOptions { KeyId = "prod-2", Parameter = name };

        var failure = Assert.Single(new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options).Failures!);

        Assert.StartsWith($"TenantIsolation:Envelopes:applications:Current:Parameter '{name}' is not an SSM parameter name", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PublishedKeyReadFromParameter_RefusedInProductionNamingTheParameterNotTheValue()
    {
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current = new GatewayEnvelopeKeyOptions { KeyId = "prod-2", Parameter = "/tenant-gateway/applications/current" };
        var parameters = new EnvelopeKeyParameters();
        parameters.Set("/tenant-gateway/applications/current", TestOptions.LocalKey);
        new EnvelopeKeyParameterPostConfigure(parameters).PostConfigure(null, options);

        var failure = Assert.Single(new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options).Failures!);

        Assert.StartsWith(
            "TenantIsolation:Envelopes:applications:Current:Parameter '/tenant-gateway/applications/current' holds a value that is a published development key",
            failure,
            StringComparison.Ordinal);
        Assert.DoesNotContain(TestOptions.LocalKey, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyAndParameterBothConfigured_KeyWinsAndIsChecked()
    {
        // Environment variables (a Kubernetes Secret) override the Production file's parameter with a Key.
        var options = TestOptions.Envelopes();
        options.Clusters["applications"].Current = new GatewayEnvelopeKeyOptions { KeyId = "prod-2", Key = "c2hvcnQ=", Parameter = "/tenant-gateway/applications/current" };
        var parameters = new EnvelopeKeyParameters();
        parameters.Set("/tenant-gateway/applications/current", SecretKey());
        new EnvelopeKeyParameterPostConfigure(parameters).PostConfigure(null, options);

        var failure = Assert.Single(new EnvelopeOptionsValidator(Environment("Production")).Validate(null, options).Failures!);

        Assert.Equal("c2hvcnQ=", options.Clusters["applications"].Current!.Key);
        Assert.StartsWith("TenantIsolation:Envelopes:applications:Current:Key must decode to exactly 64 bytes", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_KeyReadFromParameter_ShowsKeyIdAndParameterOnly()
    {
        var key = SecretKey();
        var options = new GatewayEnvelopeKeyOptions { KeyId = "prod-2", Key = key, Parameter = "/tenant-gateway/applications/current", KeyFromParameter = true };

        var text = options.ToString() + new EnvelopeKeyParameters().ToString();

        Assert.Contains("prod-2", text, StringComparison.Ordinal);
        Assert.Contains("/tenant-gateway/applications/current", text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
    }
}
