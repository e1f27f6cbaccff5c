using System.Globalization;
using System.Text.Json;

namespace Gateway.Problems;

/// <summary>
/// The one writer of refusals: a <see cref="ProblemTable"/> row becomes <c>application/problem+json</c> with its
/// stable <c>code</c> and the <c>requestId</c>. Never echoes claims, policies or credentials.
/// </summary>
internal static class ProblemWriter
{
    public const string ContentType = "application/problem+json";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    /// <summary>Writes the host refusal <paramref name="problem"/> (its <see cref="ProblemTable"/> row).</summary>
    public static Task WriteAsync(HttpContext context, GatewayProblem problem, TimeSpan? retryAfter = null)
        => WriteAsync(context, ProblemTable.For(problem), retryAfter);

    /// <summary>Writes the problem response of <paramref name="row"/>. <paramref name="retryAfter"/> adds a Retry-After header (whole seconds, at least 1).</summary>
    public static async Task WriteAsync(HttpContext context, ProblemRow row, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        var status = row.Status;
        response.StatusCode = status;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (row.HeaderName is { } header)
        {
            response.Headers[header] = row.HeaderValue;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "about:blank");
            writer.WriteString("title", row.Title);
            writer.WriteNumber("status", status);
            writer.WriteString("code", row.Code);
            writer.WriteString("requestId", context.TraceIdentifier);
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
