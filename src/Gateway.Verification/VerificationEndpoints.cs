using System.Globalization;
using System.Net.Sockets;
using Gateway.Isolation.Configuration;

namespace Gateway.Verification;

/// <summary>One AWS endpoint a verification run calls, and the setting that moves it.</summary>
public sealed record VerificationEndpoint(string Service, Uri Url, string Setting)
{
    /// <summary>"STS at http://127.0.0.1:4566/" — what an error line names.</summary>
    public override string ToString() => $"{Service} at {Url}";
}

/// <summary>
/// The endpoints <c>verify</c> calls (STS, IAM, DynamoDB: the configured service URLs, or the regional AWS endpoints the
/// SDK uses without one), a reachability check run before any probe, and one-line descriptions of transport errors.
/// </summary>
public static class VerificationEndpoints
{
    /// <summary>STS, IAM and DynamoDB as <paramref name="aws"/> points at them (LocalAws URLs or AWS's own endpoints).</summary>
    public static IReadOnlyList<VerificationEndpoint> For(AwsOptions aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        return
        [
            new("STS", aws.StsServiceUrl ?? new Uri($"https://sts.{aws.Region}.amazonaws.com/"), "TenantIsolation:Aws:StsServiceUrl"),
            new("IAM", aws.IamServiceUrl ?? new Uri("https://iam.amazonaws.com/"), "TenantIsolation:Aws:IamServiceUrl"),
            new("DynamoDB", aws.DynamoDbServiceUrl ?? new Uri($"https://dynamodb.{aws.Region}.amazonaws.com/"), "TenantIsolation:Aws:DynamoDbServiceUrl"),
        ];
    }

    /// <summary>
    /// Sends one plain GET to each distinct endpoint (any HTTP answer, even an error status, means reachable) and returns
    /// the first that gives none within <paramref name="timeout"/>, with the cause; null when all answered.
    /// </summary>
    public static async Task<(VerificationEndpoint Endpoint, string Cause)?> FindUnreachableAsync(IEnumerable<VerificationEndpoint> endpoints, TimeSpan timeout, CancellationToken cancellationToken, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        using var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in endpoints)
        {
            if (!seen.Add(endpoint.Url.GetLeftPart(UriPartial.Authority)))
            {
                continue;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                using var response = await client.GetAsync(endpoint.Url, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (endpoint, string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.#} s"));
            }
            catch (HttpRequestException e)
            {
                return (endpoint, Cause(e));
            }
        }

        return null;
    }

    /// <summary>
    /// A transport failure in a few words, without the exception's message (which may quote a request): "connection
    /// refused", "name not resolved", "TLS failure"…
    /// </summary>
    public static string Cause(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "name not resolved",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                    SocketError.ConnectionReset => "connection reset",
                    _ => $"socket error {socket.SocketErrorCode}",
                };
            }
        }

        return exception switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "name not resolved",
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection failed",
            HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "TLS failure",
            HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "connection closed before a response",
            HttpRequestException { HttpRequestError: HttpRequestError.ProxyTunnelError } => "proxy tunnel failed",
            TimeoutException or TaskCanceledException => "timed out",
            _ => exception.GetType().Name,
        };
    }
}
