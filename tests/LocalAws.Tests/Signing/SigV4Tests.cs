using System.Text;
using LocalAws.Signing;

namespace LocalAws.Tests.Signing;

public sealed class SigV4Tests
{
    // AWS SigV4 test suite, "get-vanilla" (service "service", us-east-1, 20150830T123600Z).
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Signature_AwsTestSuiteGetVanilla_MatchesPublishedSignature()
    {
        var canonical = SigV4.CanonicalRequest(
            "GET", "/", string.Empty, ["host", "x-amz-date"],
            name => name == "host" ? "example.amazonaws.com" : "20150830T123600Z",
            SigV4.HexSha256(ReadOnlySpan<byte>.Empty));
        var stringToSign = SigV4.StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical);
        var signature = SigV4.Signature(SigV4.SigningKey(Secret, "20150830", "us-east-1", "service"), stringToSign);
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signature);
    }

    [Fact]
    public void Signature_DifferentSecret_Differs()
    {
        var key1 = SigV4.SigningKey(Secret, "20150830", "us-east-1", "service");
        var key2 = SigV4.SigningKey(Secret + "x", "20150830", "us-east-1", "service");
        Assert.NotEqual(SigV4.Signature(key1, "s"), SigV4.Signature(key2, "s"));
    }

    [Theory]
    [InlineData("  a   b  c ", "a b c")]
    [InlineData("plain", "plain")]
    public void CanonicalHeaderValue_TrimsAndCollapsesSpaces(string input, string expected)
        => Assert.Equal(expected, SigV4.CanonicalHeaderValue(input));

    [Fact]
    public void CanonicalQuery_SortsAndEncodes()
        => Assert.Equal("a=1&b=x%20y&c=", SigV4.CanonicalQuery("?c=&b=x+y&a=1".Replace("+", "%20", StringComparison.Ordinal)));

    [Fact]
    public void TryParse_WellFormedHeader_ReadsScopeAndHeaders()
    {
        var ok = SigV4AuthorizationHeader.TryParse(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + new string('a', 64),
            out var header, out var error);
        Assert.True(ok, error);
        Assert.Equal("AKIDEXAMPLE", header!.AccessKeyId);
        Assert.Equal("dynamodb", header.Service);
        Assert.Equal(["host", "x-amz-date"], header.SignedHeaders);
    }

    [Theory]
    [InlineData("AWS4-HMAC-SHA1 Credential=A/20150830/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=aa")]
    [InlineData("AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date")]
    [InlineData("AWS4-HMAC-SHA256 Credential=A/2015/us-east-1/dynamodb, SignedHeaders=host, Signature=aa")]
    public void TryParse_MalformedHeader_Fails(string value)
    {
        Assert.False(SigV4AuthorizationHeader.TryParse(value, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.DoesNotContain("wJalr", Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(error!)), StringComparison.Ordinal);
    }
}
