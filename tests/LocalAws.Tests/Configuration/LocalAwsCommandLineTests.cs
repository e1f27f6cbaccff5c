using LocalAws.Configuration;

namespace LocalAws.Tests.Configuration;

public sealed class LocalAwsCommandLineTests
{
    [Fact]
    public void Parse_NoArguments_Defaults()
    {
        var options = LocalAwsCommandLine.Parse([]);
        Assert.Equal(4566, options.Port);
        Assert.True(options.Seed);
        Assert.Null(options.DynamoDbUpstream);
    }

    [Fact]
    public void Parse_AllOptions_Read()
    {
        var options = LocalAwsCommandLine.Parse(["--port", "5000", "--dynamodb-upstream", "http://127.0.0.1:8000", "--no-seed", "--data-dir", "/tmp/x"]);
        Assert.Equal(5000, options.Port);
        Assert.Equal(new Uri("http://127.0.0.1:8000"), options.DynamoDbUpstream);
        Assert.False(options.Seed);
        Assert.Equal("/tmp/x", options.DataDirectory);
    }

    [Fact]
    public void Parse_PartitionThroughput_DefaultOnAtDynamoDbsPerKeyLimits_ConfigurableAndOffWithAFlag()
    {
        var defaults = LocalAwsCommandLine.Parse([]).Throughput;
        var configured = LocalAwsCommandLine.Parse(["--partition-write-units", "10", "--partition-read-units", "30"]).Throughput;
        var off = LocalAwsCommandLine.Parse(["--no-partition-throughput"]).Throughput;

        Assert.Equal((true, 1000, 3000), (defaults.Enabled, defaults.WriteUnitsPerSecond, defaults.ReadUnitsPerSecond));
        Assert.Equal((true, 10, 30), (configured.Enabled, configured.WriteUnitsPerSecond, configured.ReadUnitsPerSecond));
        Assert.False(off.Enabled);
    }

    [Theory]
    [InlineData("--partition-write-units", "0")]
    [InlineData("--partition-write-units", "-1")]
    [InlineData("--partition-read-units", "many")]
    [InlineData("--partition-read-units", "1.5")]
    public void Parse_PartitionUnitsNotAPositiveNumber_Throws(string name, string value)
        => Assert.Throws<ArgumentException>(() => LocalAwsCommandLine.Parse([name, value]));

    [Fact]
    public void Parse_CloudFormationWithParameters_LastValueWins()
    {
        var options = LocalAwsCommandLine.Parse(["--cloudformation", "/tmp/t.yaml", "--parameter", "A=1", "--parameter", "B=x=y", "--parameter", "A=2"]);

        Assert.Equal("/tmp/t.yaml", options.CloudFormationTemplate);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "2", ["B"] = "x=y" }, options.Parameters);
    }

    [Fact]
    public void Parse_ParameterWithoutCloudFormation_Throws()
        => Assert.Throws<ArgumentException>(() => LocalAwsCommandLine.Parse(["--parameter", "A=1"]));

    [Fact]
    public void Parse_ParameterWithoutName_Throws()
        => Assert.Throws<ArgumentException>(() => LocalAwsCommandLine.Parse(["--cloudformation", "t.yaml", "--parameter", "=1"]));

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "abc")]
    [InlineData("--dynamodb-upstream", "ftp://x")]
    [InlineData("--bogus", "1")]
    public void Parse_InvalidOption_Throws(string name, string value)
        => Assert.Throws<ArgumentException>(() => LocalAwsCommandLine.Parse([name, value]));

    [Fact]
    public void Parse_SsmParameters_RepeatableAndSplitAtTheFirstEquals()
    {
        var options = LocalAwsCommandLine.Parse(["--ssm-parameter", "/a/b=x=y", "--ssm-parameter", "c=1", "--ssm-parameter", "c=2"]);

        Assert.Equal(2, options.SsmParameters.Count);
        Assert.Equal("x=y", options.SsmParameters["/a/b"]);
        Assert.Equal("2", options.SsmParameters["c"]);
    }

    [Theory]
    [InlineData("no-separator-secret")]
    [InlineData("=secret-without-name")]
    public void Parse_SsmParameterWithoutName_ThrowsWithoutEchoingTheValue(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => LocalAwsCommandLine.Parse(["--ssm-parameter", value]));

        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("-?")]
    public void Parse_Help_SetsHelp(string flag)
        => Assert.True(LocalAwsCommandLine.Parse(["--port", "1", flag]).Help);

    [Fact]
    public void Parse_NameEqualsValueAndRepeatedOption_LastOneCounts()
        => Assert.Equal(5001, LocalAwsCommandLine.Parse(["--port=5000", "--port", "5001"]).Port);

    [Theory]
    [InlineData(new[] { "--port", "--no-seed" }, "Option --port needs a value.")]
    [InlineData(new[] { "--port" }, "Option --port needs a value.")]
    [InlineData(new[] { "@ports.rsp" }, "Unknown option '@ports.rsp'.")]
    [InlineData(new[] { "--version" }, "Unknown option '--version'.")]
    [InlineData(new[] { "[suggest]" }, "Unknown option '[suggest]'.")]
    public void Parse_MisusedOption_OneLineNamingIt(string[] args, string expectedStart)
    {
        var error = Assert.Throws<ArgumentException>(() => LocalAwsCommandLine.Parse(args));

        Assert.StartsWith(expectedStart, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
