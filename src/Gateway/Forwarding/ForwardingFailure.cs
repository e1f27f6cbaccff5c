using Gateway.Problems;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Forwarding;

/// <summary>
/// The one decision on what a YARP forwarding error (<see cref="IForwarderErrorFeature"/>) means for the client: a
/// backend failure (502 <c>backend_unavailable</c>, 504 <c>backend_timeout</c>), the gateway's own failure (500
/// <c>internal_error</c>), or nothing the gateway or the backend did wrong (<see cref="GatewayProblem.None"/>: the client
/// went away or broke its own request body; the tenant decision stays the request's outcome). Every
/// <see cref="ForwarderError"/> has its own arm and there is no discard arm, so a member a YARP upgrade adds is a build
/// error until it is decided here. <see cref="ProblemTable"/> maps the result to HTTP.
/// </summary>
internal static class ForwardingFailure
{
    /// <summary>The outcome of a forward that ended with <paramref name="error"/>.</summary>
    /// <param name="error">What YARP reported.</param>
    /// <param name="clientAborted">Whether the client's connection was aborted (<c>HttpContext.RequestAborted</c>): a
    /// cancellation the client caused is not a backend timeout.</param>
#pragma warning disable CS8524 // only named values exist; a missing named one is CS8509, an error
    public static GatewayProblem Classify(ForwarderError error, bool clientAborted) => error switch
    {
        ForwarderError.None => GatewayProblem.None,

        // Connect refused/reset, the request or the response headers could not be exchanged; no healthy destination.
        ForwarderError.Request => GatewayProblem.BackendUnavailable,
        ForwarderError.NoAvailableDestinations => GatewayProblem.BackendUnavailable,

        // The cluster's ActivityTimeout elapsed before the response headers.
        ForwarderError.RequestTimedOut => GatewayProblem.BackendTimeout,

        // The backend failed reading the request body, sent headers that cannot be proxied, or broke the response body.
        ForwarderError.RequestBodyDestination => GatewayProblem.BackendUnavailable,
        ForwarderError.ResponseHeaders => GatewayProblem.BackendUnavailable,
        ForwarderError.ResponseBodyDestination => GatewayProblem.BackendUnavailable,
        ForwarderError.UpgradeRequestDestination => GatewayProblem.BackendUnavailable,
        ForwarderError.UpgradeResponseDestination => GatewayProblem.BackendUnavailable,

        // Waiting for the response body was canceled: by the client, or by the ActivityTimeout (the backend stalled).
        ForwarderError.ResponseBodyCanceled => clientAborted ? GatewayProblem.None : GatewayProblem.BackendTimeout,

        // The gateway could not build the outgoing request (a transform or the destination address): its own failure.
        ForwarderError.RequestCreation => GatewayProblem.InternalError,

        // The client: went away, canceled, or failed sending its body / reading the response. Never a 502.
        ForwarderError.RequestCanceled => GatewayProblem.None,
        ForwarderError.RequestBodyCanceled => GatewayProblem.None,
        ForwarderError.RequestBodyClient => GatewayProblem.None,
        ForwarderError.ResponseBodyClient => GatewayProblem.None,
        ForwarderError.UpgradeRequestCanceled => GatewayProblem.None,
        ForwarderError.UpgradeRequestClient => GatewayProblem.None,
        ForwarderError.UpgradeResponseCanceled => GatewayProblem.None,
        ForwarderError.UpgradeResponseClient => GatewayProblem.None,

        // An upgraded (WebSocket) connection idle for ActivityTimeout is closed: YARP's documented end of an idle tunnel.
        ForwarderError.UpgradeActivityTimeout => GatewayProblem.None,
    };
#pragma warning restore CS8524
}
