using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using Gateway.Backend.Context;
using Gateway.Envelopes;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// An in-test backend built on <c>Gateway.Backend</c> exactly as a real one is (<c>AddTenantContext</c> +
/// <c>UseTenantContext</c>, the sample API's envelope key, DynamoDB at LocalAws): <c>GET /applications</c> queries the
/// caller's organization's partition of Applications with the envelope's scoped credentials and answers the item count;
/// with <c>?hold=NAME</c> it first verifies the envelope, reports it received (<see cref="ReceivedAsync"/>) and waits for
/// <see cref="Release"/> — a request that obtained its envelope (and credentials) before something the test does next.
/// A DynamoDB AccessDenied becomes the middleware's 403 <c>tenant_access_denied</c>.
/// </summary>
public sealed class TenantBackend : ITopologyBackend
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _received = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _released = new(StringComparer.Ordinal);
    private LoopbackApp? _app;

    private TenantBackend()
    {
    }

    public Uri Address => _app!.Address;

    /// <summary>Completes once the held request <paramref name="name"/> reached the endpoint (its envelope verified).</summary>
    public Task ReceivedAsync(string name) => Gate(_received, name).Task.WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Lets the held request <paramref name="name"/> go on to DynamoDB.</summary>
    public void Release(string name) => Gate(_released, name).TrySetResult();

    /// <param name="dynamoDb">LocalAws (the scoped clients' DynamoDB endpoint).</param>
    public static async Task<TenantBackend> StartAsync(Uri dynamoDb)
    {
        using var local = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "samples", "Applications.Api", "appsettings.Local.json")));
        var key = local.RootElement.GetProperty("TenantContext").GetProperty("Keys")[0];
        var backend = new TenantBackend();
        backend._app = await LoopbackApp.StartAsync(
            app =>
            {
                app.UseTenantContext();
                app.MapGet("/applications", async (HttpContext context, ITenantContext tenant) =>
                {
                    if (context.Request.Query["hold"].FirstOrDefault() is { Length: > 0 } hold)
                    {
                        Gate(backend._received, hold).TrySetResult();
                        await Gate(backend._released, hold).Task.WaitAsync(TimeSpan.FromSeconds(120), context.RequestAborted);
                    }

                    var response = await tenant.Dynamo.QueryAsync(new QueryRequest
                    {
                        TableName = "Applications",
                        KeyConditionExpression = "organizationId = :o",
                        ExpressionAttributeValues = new() { [":o"] = new AttributeValue { S = tenant.OrganizationId } },
                    }, context.RequestAborted);
                    return Results.Json(new { organization = tenant.OrganizationId, count = response.Count });
                });
            },
            builder =>
            {
                builder.Services.AddTenantContext(options =>
                {
                    options.Audience = "applications";
                    // The test's output directory may carry the sample's appsettings.Local.json (bound already): add the key once.
                    if (options.Keys.Count == 0)
                    {
                        options.Keys.Add(new EnvelopeKeyOptions { KeyId = key.GetProperty("KeyId").GetString()!, Key = key.GetProperty("Key").GetString()! });
                    }

                    options.DynamoDb.ServiceUrl = dynamoDb.GetLeftPart(UriPartial.Authority);
                    // A loaded 2-core machine: the other organization's loop must not fail on the data store's own bounds.
                    options.DynamoDb.Timeout = TimeSpan.FromSeconds(15);
                    options.DynamoDb.ConnectTimeout = TimeSpan.FromSeconds(10);
                });
            },
            TopologyEnvironment.EnvironmentName); // the sample's development key is accepted only there
        return backend;
    }

    private static TaskCompletionSource Gate(ConcurrentDictionary<string, TaskCompletionSource> gates, string name)
        => gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        foreach (var gate in _released.Values)
        {
            gate.TrySetResult();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
