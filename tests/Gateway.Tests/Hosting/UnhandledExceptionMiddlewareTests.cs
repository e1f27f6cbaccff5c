using System.Text.Json;
using Gateway.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Hosting;

public sealed class UnhandledExceptionMiddlewareTests
{
    [Fact]
    public async Task Invoke_NextThrows_500InternalErrorProblemWithoutTheMessage()
    {
        var context = NewContext();
        var middleware = new UnhandledExceptionMiddleware(
            _ => throw new InvalidOperationException("aws_secret=do-not-echo"), NullLogger<UnhandledExceptionMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        var body = Body(context);
        Assert.Equal("internal_error", JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain("do-not-echo", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_NextSucceeds_ResponseUntouched()
    {
        var context = NewContext();
        var middleware = new UnhandledExceptionMiddleware(
            c => { c.Response.StatusCode = 204; return Task.CompletedTask; }, NullLogger<UnhandledExceptionMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        Assert.Equal(204, context.Response.StatusCode);
        Assert.Equal(string.Empty, Body(context));
    }

    [Fact]
    public async Task Invoke_ClientAborted_NoProblemWritten()
    {
        var context = NewContext();
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        context.RequestAborted = aborted.Token;
        var middleware = new UnhandledExceptionMiddleware(
            c => throw new OperationCanceledException(c.RequestAborted), NullLogger<UnhandledExceptionMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        Assert.Equal(string.Empty, Body(context));
    }

    private static DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }
}
