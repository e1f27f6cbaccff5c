using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Applications.Api.Tests;

/// <summary>
/// A pass-through HTTP proxy on a free loopback port in front of LocalAws's DynamoDB endpoint, for the API under test: every
/// request is forwarded unchanged (its <c>Host</c> header too, so the SigV4 signature still verifies) and its answer
/// returned, except for the next call of an operation armed with <see cref="Once"/>, which can run an action first (with
/// the request's JSON body) and have its answer replaced — what a lost answer, a 5xx after the write was applied, or
/// another writer in between looks like to the SDK. Counts every call per operation (SDK retries included).
/// </summary>
internal sealed class DynamoDbInterceptor : IAsyncDisposable
{
    private const string TargetPrefix = "DynamoDB_20120810.";

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Interception> _armed = new(StringComparer.Ordinal);

    private DynamoDbInterceptor(WebApplication app, Uri upstream)
    {
        _app = app;
        _upstream = new HttpClient { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Url { get; private set; } = null!;

    public static async Task<DynamoDbInterceptor> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var interceptor = new DynamoDbInterceptor(app, upstream);
        app.Run(interceptor.HandleAsync);
        await app.StartAsync();
        interceptor.Url = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return interceptor;
    }

    /// <summary>
    /// Arms the next call of <paramref name="operation"/> (e.g. <c>PutItem</c>): <paramref name="before"/> runs with its JSON
    /// body; then it is forwarded (unless <paramref name="forward"/> is false) and, when <paramref name="answerStatus"/> is
    /// given, answered with that status and a DynamoDB error of type <paramref name="answerErrorType"/> instead of
    /// LocalAws's answer.
    /// </summary>
    public void Once(string operation, Func<JsonElement, Task>? before = null, bool forward = true, int? answerStatus = null, string answerErrorType = "InternalServerError") =>
        _armed[operation] = new Interception(before, forward, answerStatus, answerErrorType);

    /// <summary>Calls of <paramref name="operation"/> received so far (each SDK attempt counts).</summary>
    public int Calls(string operation) => _calls.GetValueOrDefault(operation);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : target;
        _calls.AddOrUpdate(operation, 1, static (_, n) => n + 1);
        var interception = _armed.TryRemove(operation, out var armed) ? armed : null;
        if (interception?.Before is { } before)
        {
            using var json = JsonDocument.Parse(body);
            await before(json.RootElement.Clone());
        }

        if (interception is null || interception.Forward)
        {
            using var forwarded = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString)
            {
                Content = new ByteArrayContent(body),
            };
            foreach (var (name, values) in context.Request.Headers)
            {
                if (!forwarded.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                {
                    forwarded.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            using var answer = await _upstream.SendAsync(forwarded, context.RequestAborted);
            var answerBody = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
            if (interception?.AnswerStatus is null)
            {
                context.Response.StatusCode = (int)answer.StatusCode;
                foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
                {
                    if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    {
                        context.Response.Headers[name] = values.ToArray();
                    }
                }

                await context.Response.Body.WriteAsync(answerBody, context.RequestAborted);
                return;
            }
        }

        // The replaced answer: a DynamoDB JSON 1.0 error (no x-amz-crc32, which the SDK then does not check).
        context.Response.StatusCode = interception.AnswerStatus ?? 500;
        context.Response.ContentType = "application/x-amz-json-1.0";
        var error = string.Create(CultureInfo.InvariantCulture,
            $"{{\"__type\":\"com.amazonaws.dynamodb.v20120810#{interception.AnswerErrorType}\",\"message\":\"replaced by the test's interceptor\"}}");
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(error), context.RequestAborted);
    }

    private sealed record Interception(Func<JsonElement, Task>? Before, bool Forward, int? AnswerStatus, string AnswerErrorType);
}
