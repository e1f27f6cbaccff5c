using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Gateway.Backend.DynamoDb;
using Gateway.Envelopes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Backend.Context;

/// <summary>
/// Reads <c>X-Tenant-Context</c>, verifies it, and makes <see cref="ITenantContext"/> available for the request.
/// Missing/invalid/expired → 401 (or the configured 403) problem+json; the endpoint never runs. A DynamoDB
/// <c>AccessDeniedException</c> thrown by the endpoint → 403 problem+json <c>tenant_access_denied</c>; the data store
/// refusing the envelope's credentials themselves (<c>UnrecognizedClientException</c>, <c>InvalidClientTokenId</c>,
/// <c>ExpiredTokenException</c>, <c>InvalidSignatureException</c>, …, or a 4xx without an error code) → 503
/// <c>tenant_credentials_rejected</c> with <c>Retry-After</c> and <c>X-Tenant-Credentials-Rejected: 1</c>; the data store
/// unreachable, timing out or failing (5xx) → 503 <c>data_store_unavailable</c> with <c>Retry-After</c>.
/// </summary>
internal sealed partial class TenantContextMiddleware
{
    private const string ProblemContentType = "application/problem+json";

    private readonly RequestDelegate _next;
    private readonly VerifiedEnvelopeCache _reader;
    private readonly TenantDynamoDbClientFactory _clients;
    private readonly TenantContextOptions _options;
    private readonly ILogger _logger;

    public TenantContextMiddleware(
        RequestDelegate next,
        VerifiedEnvelopeCache reader,
        TenantDynamoDbClientFactory clients,
        IOptions<TenantContextOptions> options,
        ILogger<TenantContextMiddleware> logger)
    {
        _next = next;
        _reader = reader;
        _clients = clients;
        _options = options.Value;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<AllowWithoutTenantContextAttribute>() is not null)
        {
            await _next(context);
            return;
        }

        var values = context.Request.Headers[_options.HeaderName];
        var result = values.Count > 1
            ? EnvelopeReadResult.Failure(EnvelopeFailureCodes.Invalid, "more than one envelope header")
            : _reader.Read(values.Count == 1 ? values[0] : null);
        if (!result.Succeeded)
        {
            Log.EnvelopeRejected(_logger, result.FailureCode, result.FailureReason, context.Request.Method, context.Request.Path.Value ?? "/");
            await WriteProblemAsync(context, _options.RejectionStatusCode, result.FailureCode, Describe(result.FailureCode), RequestIdOf(context, context.TraceIdentifier));
            return;
        }

        // The gateway reuses one envelope per credential generation, so the envelope's rid names the request that
        // minted it; the gateway's per-request X-Request-Id (it strips any inbound one) is the id of this request.
        var envelope = result.Envelope with { RequestId = RequestIdOf(context, result.Envelope.RequestId) };
        using var tenant = new TenantContext(envelope, _clients);
        context.RequestServices.GetRequiredService<TenantContextHolder>().Current = tenant;
        using var scope = _logger.BeginScope(new TenantLogScope(envelope.OrganizationId, envelope.UserId, envelope.RequestId));
        try
        {
            await _next(context);
        }
        catch (AmazonServiceException ex) when (IsAccessDenied(ex))
        {
            Log.AccessDenied(_logger, envelope.OrganizationId, envelope.UserId, DeniedAction(ex.Message), envelope.RequestId);
            if (context.Response.HasStarted)
            {
                Log.DeniedAfterResponseStarted(_logger, envelope.OrganizationId, envelope.RequestId);
                throw;
            }

            await WriteProblemAsync(context, StatusCodes.Status403Forbidden, TenantContextProblemCodes.AccessDenied,
                "The data store denied access: the request reached outside the caller's organization or permission set.",
                envelope.RequestId);
        }
        catch (AmazonServiceException ex) when (TracedDynamoDbClient.IsMarked(ex) && IsCredentialsRejected(ex) && !context.Response.HasStarted)
        {
            // Type and AWS error code only: no stack trace, and no message (it may echo what was sent).
            Log.CredentialsRefused(_logger, ex.GetType().Name, ex.ErrorCode, envelope.OrganizationId, envelope.RequestId);
            await WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, TenantContextProblemCodes.CredentialsRejected,
                "The data store rejected the tenant context's credentials; retry (the gateway mints new ones).",
                envelope.RequestId, _options.DynamoDb.RetryAfter, credentialsRejected: true);
        }
        catch (Exception ex) when (!context.Response.HasStarted && DataStoreFailure(ex, context.RequestAborted) is { } cause)
        {
            Log.DataStoreUnavailable(_logger, cause.GetType().Name, (cause as AmazonServiceException)?.ErrorCode, envelope.OrganizationId, envelope.RequestId);
            await WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable, TenantContextProblemCodes.DataStoreUnavailable,
                "The data store is unavailable (unreachable, timed out or failing); retry later.",
                envelope.RequestId, _options.DynamoDb.RetryAfter);
        }
    }

    /// <summary>
    /// Only for an exception that came out of the scoped client (the catch checks the mark): another AWS client of the
    /// backend failing (its own role, S3, SQS) must never tell the gateway to drop the organization's credential set.
    /// AWS refused the envelope's credentials themselves (authentication, not authorization): unknown access key or
    /// session (UnrecognizedClient, InvalidClientTokenId), session expired by the store's clock (ExpiredToken), bad or
    /// incomplete signature, missing token, or a 4xx answer without an error code (what credentials the SDK cannot put
    /// into a request yield). False otherwise (throttling, 5xx, validation…), so those stay failures of the service.
    /// </summary>
    internal static bool IsCredentialsRejected(AmazonServiceException exception) => exception.ErrorCode switch
    {
        "UnrecognizedClientException" or "InvalidClientTokenId" or "ExpiredTokenException" or "ExpiredToken"
            or "InvalidSignatureException" or "IncompleteSignatureException" or "MissingAuthenticationTokenException" => true,
        null or "" => (int)exception.StatusCode is >= 400 and < 500,
        _ => false,
    };

    /// <summary>
    /// The data store could not answer: an AWS service error with a 5xx status, or a connection error or timeout that came
    /// out of the scoped DynamoDB client (marked by its pipeline, so another component's failing <c>HttpClient</c> is not
    /// mistaken for the data store). A cancellation because the caller went away is not an outage.
    /// </summary>
    internal static Exception? DataStoreFailure(Exception exception, CancellationToken requestAborted)
    {
        if (requestAborted.IsCancellationRequested)
        {
            return null;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AmazonServiceException service && (int)service.StatusCode >= 500 && TracedDynamoDbClient.IsMarked(service))
            {
                return current;
            }

            if (TracedDynamoDbClient.IsMarked(current) && IsTransportFailure(current))
            {
                return current;
            }
        }

        return null;
    }

    private static bool IsTransportFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
            {
                return true;
            }

            if (current is AmazonServiceException { StatusCode: 0 } && current.InnerException is null)
            {
                return true;
            }
        }

        return false;
    }

    internal static bool IsAccessDenied(AmazonServiceException exception) =>
        exception.ErrorCode is "AccessDeniedException" or "AccessDenied";

    /// <summary>The IAM action named in an AccessDenied message ("... not authorized to perform: dynamodb:Query on ..."); messages hold ARNs, not secrets.</summary>
    internal static string DeniedAction(string? message)
    {
        var match = message is null ? Match.Empty : DeniedActionPattern().Match(message);
        return match.Success ? match.Groups[1].Value : "unknown";
    }

    [GeneratedRegex(@"perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex DeniedActionPattern();

    private static string Describe(string code) => code switch
    {
        EnvelopeFailureCodes.Missing => "The request carries no tenant context; it must come through the tenant gateway.",
        EnvelopeFailureCodes.Expired => "The tenant context or its credentials expired.",
        _ => "The tenant context is invalid.",
    };

    private static string RequestIdOf(HttpContext context, string fallback)
    {
        var header = context.Request.Headers["X-Request-Id"];
        return header.Count == 1 && header[0] is { Length: > 0 and <= 128 } id && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? id
            : fallback;
    }

    internal static async Task WriteProblemAsync(
        HttpContext context, int status, string code, string detail, string requestId, TimeSpan? retryAfter = null, bool credentialsRejected = false)
    {
        context.Response.Clear();
        if (credentialsRejected)
        {
            context.Response.Headers[TenantContextProblemCodes.CredentialsRejectedHeader] = "1";
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = ProblemContentType;
        context.Response.Headers.CacheControl = "no-store";
        if (retryAfter is { } delay)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        using var buffer = new MemoryStream(256);
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "about:blank");
            json.WriteString("title", ReasonPhrases.GetReasonPhrase(status));
            json.WriteNumber("status", status);
            json.WriteString("detail", detail);
            json.WriteString("code", code);
            json.WriteString("requestId", requestId);
            json.WriteEndObject();
        }

        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    private sealed class TenantLogScope(string organizationId, string userId, string requestId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 3;

        public KeyValuePair<string, object> this[int index] => index switch
        {
            0 => new("OrganizationId", organizationId),
            1 => new("UserId", userId),
            2 => new("RequestId", requestId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"org={LogValue.Quote(organizationId)} user={LogValue.Quote(userId)} request={LogValue.Quote(requestId)}";
    }
}
