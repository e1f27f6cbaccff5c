using System.Net;
using Gateway.Verification;

namespace Gateway.Isolation.Tests.Verification;

public sealed class VerificationEndpointsTests
{
    private static readonly VerificationEndpoint Sts = new("STS", new Uri("http://127.0.0.1:4566/"), "TenantIsolation:Aws:StsServiceUrl");

    /// <summary>Answers with <paramref name="status"/>, or never (until the request is cancelled) when it is null.</summary>
    private sealed class Handler(HttpStatusCode? status) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (status is null)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return new HttpResponseMessage(status ?? HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task FindUnreachableAsync_EndpointThatNeverAnswers_ItWithNoAnswerWithinTheTimeout()
    {
        using var handler = new Handler(null);

        var unreachable = await VerificationEndpoints.FindUnreachableAsync([Sts], TimeSpan.FromMilliseconds(100), CancellationToken.None, handler);

        Assert.Equal((Sts, "no answer within 0.1 s"), unreachable);
    }

    [Fact]
    public async Task FindUnreachableAsync_EndpointThatAnswersAnErrorStatus_Reachable()
    {
        using var handler = new Handler(HttpStatusCode.NotFound);

        var unreachable = await VerificationEndpoints.FindUnreachableAsync([Sts], TimeSpan.FromMilliseconds(100), CancellationToken.None, handler);

        Assert.Null(unreachable);
    }
}
