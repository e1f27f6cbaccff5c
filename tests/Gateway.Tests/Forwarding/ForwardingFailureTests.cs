using Gateway.Forwarding;
using Gateway.Problems;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Tests.Forwarding;

public sealed class ForwardingFailureTests
{
    [Theory]
    [InlineData(ForwarderError.Request, false, (int)GatewayProblem.BackendUnavailable)]
    [InlineData(ForwarderError.NoAvailableDestinations, false, (int)GatewayProblem.BackendUnavailable)]
    [InlineData(ForwarderError.ResponseHeaders, false, (int)GatewayProblem.BackendUnavailable)]
    [InlineData(ForwarderError.ResponseBodyDestination, false, (int)GatewayProblem.BackendUnavailable)]
    [InlineData(ForwarderError.RequestBodyDestination, false, (int)GatewayProblem.BackendUnavailable)]
    [InlineData(ForwarderError.RequestTimedOut, false, (int)GatewayProblem.BackendTimeout)]
    [InlineData(ForwarderError.ResponseBodyCanceled, false, (int)GatewayProblem.BackendTimeout)]
    [InlineData(ForwarderError.ResponseBodyCanceled, true, (int)GatewayProblem.None)]
    [InlineData(ForwarderError.RequestCanceled, true, (int)GatewayProblem.None)]
    [InlineData(ForwarderError.RequestCanceled, false, (int)GatewayProblem.None)]
    [InlineData(ForwarderError.RequestBodyCanceled, true, (int)GatewayProblem.None)]
    [InlineData(ForwarderError.RequestBodyClient, false, (int)GatewayProblem.None)]
    [InlineData(ForwarderError.ResponseBodyClient, true, (int)GatewayProblem.None)]
    [InlineData(ForwarderError.RequestCreation, false, (int)GatewayProblem.InternalError)]
    [InlineData(ForwarderError.None, false, (int)GatewayProblem.None)]
    public void Classify_YarpError_BackendClientOrGatewayFailure(ForwarderError error, bool clientAborted, int expected)
        => Assert.Equal((GatewayProblem)expected, ForwardingFailure.Classify(error, clientAborted));

    [Fact]
    public void Classify_ClientCancellations_NeverABackendFailure()
    {
        foreach (var error in (ForwarderError[])[ForwarderError.RequestCanceled, ForwarderError.RequestBodyCanceled, ForwarderError.ResponseBodyCanceled, ForwarderError.UpgradeRequestCanceled, ForwarderError.UpgradeResponseCanceled])
        {
            Assert.Equal(GatewayProblem.None, ForwardingFailure.Classify(error, clientAborted: true));
        }
    }

    [Fact]
    public void Classify_EveryYarpError_MapsToARowOfTheTable()
    {
        foreach (var error in Enum.GetValues<ForwarderError>())
        {
            foreach (var aborted in (bool[])[false, true])
            {
                var row = ProblemTable.For(ForwardingFailure.Classify(error, aborted));
                Assert.Contains(row.Status, (int[])[200, 500, 502, 504]);
            }
        }
    }
}
