using Gateway.Isolation.Evaluation;
using Gateway.Tenancy;
using Yarp.ReverseProxy.Transforms;

namespace Gateway.Forwarding;

/// <summary>
/// Per-route response transform (one instance for every route): acts on a backend's <c>X-Tenant-Credentials-Rejected: 1</c>
/// (docs/backend.md: the data store rejected the credential set in the request's envelope) and removes the header from the
/// client's response on every route, whatever its value (and <see cref="TenantTransformProvider"/> removes it from the
/// response trailers). Only a request the engine allowed with scoped credentials
/// (<see cref="ITenantFeature"/>) can lead to a drop, and only of the set that request carried
/// (<see cref="ITenantIsolationEvaluator.CredentialsRejectedAsync"/>): the header is a backend's claim, it names nothing
/// itself, so a backend can make the gateway re-mint only the organization's set it was handed — never another
/// organization's, and nothing on a legacy or non-isolated route.
/// </summary>
internal sealed class TenantResponseTransform(Func<ITenantIsolationEvaluator?> evaluator) : ResponseTransform
{
    /// <summary>The backend's header (Gateway.Backend's <c>TenantContextProblemCodes.CredentialsRejectedHeader</c>).</summary>
    public const string CredentialsRejectedHeader = "X-Tenant-Credentials-Rejected";

    public override async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rejected = context.ProxyResponse is { } response
            && response.Headers.TryGetValues(CredentialsRejectedHeader, out var values)
            && values.Any(v => string.Equals(v.Trim(), "1", StringComparison.Ordinal));

        // YARP copied the backend's headers already; the header is between the backend and the gateway.
        context.HttpContext.Response.Headers.Remove(CredentialsRejectedHeader);
        if (!rejected || context.HttpContext.GetTenantFeature() is not { } tenant || evaluator() is not { } engine)
        {
            return;
        }

        // Not the client's cancellation: a drop begun is finished (each L2 step is bounded by SharedCache:OperationTimeout).
        await engine.CredentialsRejectedAsync(tenant.Decision, CancellationToken.None);
    }
}
