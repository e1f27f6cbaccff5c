using Amazon.Runtime;
using Gateway.Isolation.Credentials;

namespace Gateway.Verification;

/// <summary>
/// The one classification of "the call to AWS did not come back with an answer or usable credentials", shared by
/// <c>verify</c> (and continuous verification) and Gateway.Migration's isolation check, so that the two cannot drift: an
/// AWS error (<see cref="AmazonServiceException"/>, whose code is reported), no answer (transport, timeout), credentials
/// the issuer rejected, or the issuer's resilience pipeline refusing to try (circuit open, timeout, rate limit). Any of
/// these fails a check; none is ever taken for a denial.
/// </summary>
public static class StsFailure
{
    /// <summary>True for the failures a verification check reports (as a failed check) instead of throwing.</summary>
    public static bool IsFailure(Exception exception) => exception is AmazonServiceException
        or AmazonClientException
        or HttpRequestException
        or TimeoutException
        or CredentialsRejectedException
        or IssuerUnavailableException
        or Polly.CircuitBreaker.BrokenCircuitException
        or Polly.Timeout.TimeoutRejectedException
        or Polly.RateLimiting.RateLimiterRejectedException;
}
