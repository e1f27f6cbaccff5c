using System.Text.Json;
using LoadTests.Engine;

namespace LoadTests.Scenarios;

/// <summary>Sends one request and reduces the response to an <see cref="HttpOutcome"/> (body read in full; problem code parsed).</summary>
internal static class HttpSteps
{
    public static async Task<HttpOutcome> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        using (request)
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var code = mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) && !response.IsSuccessStatusCode
                ? ProblemCode(body)
                : null;
            if ((int)response.StatusCode >= 500 && (int)response.StatusCode != 503)
            {
                ServerErrorSamples.Capture((int)response.StatusCode, request.RequestUri, body);
            }

            var rejected = response.Headers.TryGetValues(HttpOutcome.CredentialsRejectedHeaderName, out var marks) && marks.Contains("1", StringComparer.Ordinal);
            return new HttpOutcome((int)response.StatusCode, code, response.Headers.RetryAfter is not null, body, body.Length, rejected);
        }
    }

    /// <summary>The problem+json <c>code</c> member, or null.</summary>
    public static string? ProblemCode(string? body)
    {
        if (string.IsNullOrEmpty(body) || body[0] != '{')
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("code", out var code)
                && code.ValueKind == JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Counts the backend's verdict on the tenant context: <c>unscoped</c> (no valid envelope reached the backend: a leak)
    /// and <c>rejectedCredentials</c> (the data store refused a genuine envelope's credentials: an outage, not a leak).
    /// </summary>
    public static void CountTenantContext(ScenarioContext ctx, HttpOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.IsUnscopedForward)
        {
            ctx.Count("unscoped");
        }
        else if (outcome.IsRejectedCredentials)
        {
            ctx.Count("rejectedCredentials");
        }
    }

    /// <summary>Default mapping: ok for 2xx; otherwise failed with the problem code or <c>http_STATUS</c>.</summary>
    public static StepResponse ToStep(HttpOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.IsSuccess
            ? StepResponse.Ok(outcome.StatusCode, outcome.Size)
            : StepResponse.Fail(outcome.StatusCode, outcome.Code ?? "http_" + outcome.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), outcome.Size);
    }

    public static HttpRequestMessage Get(Uri baseUri, string path, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, path));
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}
