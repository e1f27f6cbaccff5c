using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Authentication;

/// <summary>
/// The gateway's authorization step, in place of <c>UseAuthorization()</c>. A request that the framework would authorize
/// with exactly the gateway's tenant policy and whose principal <see cref="GatewayAuthenticationMiddleware"/> took from the
/// validated-token cache is decided here: <see cref="AuthenticatedUserRequirement"/> is evaluated directly, and when it is
/// met the request proceeds with the endpoint-invoked marker <c>EndpointMiddleware</c> checks, as ASP.NET Core's
/// <see cref="AuthorizationMiddleware"/> leaves it. Every other request — no endpoint, an endpoint with any other
/// authorization metadata (another or an additional policy, roles, schemes, requirements, <c>[AllowAnonymous]</c>), a
/// principal not from the cache, a requirement not met — goes through ASP.NET Core's own <c>UseAuthorization()</c>
/// unchanged, so every refusal (401/403/503 problem+json through <see cref="ProblemAuthorizationResultHandler"/>) is the
/// framework's. The fast path also steps aside, for every request, when the authorization services are not the ones this
/// class reproduces (the framework's policy provider, evaluator, context factory, handler provider, authorization
/// service, policy evaluator and pass-through handler only, and the gateway's result handler), while something listens
/// to the framework's <c>aspnetcore.authorization.attempts</c> counter (then every attempt is counted by the framework),
/// and while the framework's authorization service logs at Debug. It saves what the framework allocates for a request it
/// allows: the request-services scope, the handler context and its requirement set, the handler enumeration, the result
/// tasks — and the <c>AppContext</c> switch it reads under a global lock per request.
/// </summary>
internal sealed class GatewayAuthorizationMiddleware
{
    /// <summary>
    /// The application property <c>UseAuthorization()</c> sets; <c>WebApplication</c> inserts its own authorization
    /// middleware in front of the pipeline unless it is there (checked by <c>GatewayPipelineTests</c>).
    /// </summary>
    internal const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    /// <summary>
    /// The <c>HttpContext.Items</c> key ASP.NET Core's <see cref="AuthorizationMiddleware"/> sets when it sees an endpoint;
    /// <c>EndpointMiddleware</c> refuses to run an endpoint with authorization metadata without it (the same string in
    /// Microsoft.AspNetCore.Authorization.Policy and Microsoft.AspNetCore.Routing 10.0).
    /// </summary>
    internal const string EndpointInvokedKey = "__AuthorizationMiddlewareWithEndpointInvoked";

    /// <summary>The framework's meter and counter of authorization attempts (Microsoft.AspNetCore.Authorization 10.0).</summary>
    internal const string AttemptsMeterName = "Microsoft.AspNetCore.Authorization";

    internal const string AttemptsInstrumentName = "aspnetcore.authorization.attempts";

    private static readonly object EndpointInvokedValue = new();

    private readonly RequestDelegate _next;
    private readonly RequestDelegate _framework;
    private readonly IAuthorizationPolicyProvider _policies;
    private readonly FrameworkAuthorizationAttempts _attempts;
    private readonly ILogger<DefaultAuthorizationService> _serviceLog;
    private readonly bool _enabled;
    private readonly ConditionalWeakTable<Endpoint, EndpointPolicy> _endpoints = new();
    private readonly ConditionalWeakTable<Endpoint, EndpointPolicy>.CreateValueCallback _classify;

    /// <param name="next">The rest of the pipeline.</param>
    /// <param name="framework">Builds ASP.NET Core's <c>UseAuthorization()</c> in front of a delegate (every request the fast path does not take).</param>
    public GatewayAuthorizationMiddleware(RequestDelegate next, Func<RequestDelegate, RequestDelegate> framework, IServiceProvider services, FrameworkAuthorizationAttempts attempts, ILogger<DefaultAuthorizationService> serviceLog)
    {
        ArgumentNullException.ThrowIfNull(framework);
        ArgumentNullException.ThrowIfNull(services);
        _next = next;
        _framework = framework(next);
        _policies = services.GetRequiredService<IAuthorizationPolicyProvider>();
        _attempts = attempts;
        _serviceLog = serviceLog;
        _enabled = FrameworkServicesReproduced(services);
        _classify = Classify;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_enabled
            && context.GetEndpoint() is { } endpoint
            && _endpoints.GetValue(endpoint, _classify).Requirement is { } requirement
            && context.Features.Get<IAuthenticateResultFeature>() is GatewayAuthenticationMiddleware.AuthenticatedFeatures { AuthenticateResult: { Succeeded: true, Principal: GatewayPrincipal principal } }
            && ReferenceEquals(context.User, principal)
            && requirement.IsMetBy(principal)
            && !_attempts.Enabled
            && !_serviceLog.IsEnabled(LogLevel.Debug))
        {
            // What AuthorizationMiddleware leaves behind for an endpoint whose policy succeeded: the marker, then next.
            context.Items[EndpointInvokedKey] = EndpointInvokedValue;
            return _next(context);
        }

        return _framework(context);
    }

    /// <summary>
    /// Whether this request's authorization was decided by the fast path (its endpoint-invoked marker is this class's
    /// value, not the framework's); for tests and diagnostics — <c>EndpointMiddleware</c> only checks that the key exists.
    /// </summary>
    internal static bool DecidedByFastPath(HttpContext context)
        => context?.Items.TryGetValue(EndpointInvokedKey, out var value) == true && ReferenceEquals(value, EndpointInvokedValue);

    /// <summary>
    /// The tenant policy's requirement when the framework would authorize <paramref name="endpoint"/> with exactly the
    /// tenant policy (one <see cref="IAuthorizeData"/> naming it, nothing else); else null (the framework decides).
    /// </summary>
    private EndpointPolicy Classify(Endpoint endpoint)
    {
        var metadata = endpoint.Metadata;
        var authorizeData = metadata.GetOrderedMetadata<IAuthorizeData>();
        if (authorizeData.Count != 1
            || authorizeData[0] is not { Roles: null, AuthenticationSchemes: null } data
            || !string.Equals(data.Policy, GatewayAuthorization.TenantPolicy, StringComparison.Ordinal)
            || metadata.GetOrderedMetadata<AuthorizationPolicy>().Count != 0
            || metadata.GetOrderedMetadata<IAuthorizationRequirementData>().Count != 0
            || metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return EndpointPolicy.Framework;
        }

        var policy = _policies.GetPolicyAsync(GatewayAuthorization.TenantPolicy);
        return policy.IsCompletedSuccessfully
            && policy.Result is { AuthenticationSchemes.Count: 0, Requirements: [AuthenticatedUserRequirement requirement] }
            ? new EndpointPolicy(requirement)
            : EndpointPolicy.Framework;
    }

    /// <summary>
    /// Whether the authorization services are exactly those whose result for the tenant policy this class reproduces;
    /// anything replaced or added (a custom handler could fail a requirement) turns the fast path off for the host.
    /// </summary>
    private static bool FrameworkServicesReproduced(IServiceProvider services)
    {
        var framework = typeof(DefaultAuthorizationService).Assembly;
        return services.GetService<IAuthorizationPolicyProvider>()?.GetType() == typeof(DefaultAuthorizationPolicyProvider)
            && services.GetService<IAuthorizationEvaluator>()?.GetType() == typeof(DefaultAuthorizationEvaluator)
            && services.GetService<IAuthorizationHandlerContextFactory>()?.GetType() == typeof(DefaultAuthorizationHandlerContextFactory)
            && services.GetService<IAuthorizationHandlerProvider>()?.GetType() == typeof(DefaultAuthorizationHandlerProvider)
            && services.GetService<IAuthorizationService>() is DefaultAuthorizationService service && service.GetType().Assembly == framework
            && services.GetService<IPolicyEvaluator>()?.GetType() == typeof(PolicyEvaluator)
            && services.GetService<IAuthorizationMiddlewareResultHandler>()?.GetType() == typeof(ProblemAuthorizationResultHandler)
            && services.GetServices<IAuthorizationHandler>().All(h => h.GetType() == typeof(PassThroughAuthorizationHandler));
    }

    /// <summary>What the framework's policy for an endpoint is, as far as the fast path is concerned.</summary>
    private sealed class EndpointPolicy(AuthenticatedUserRequirement? requirement)
    {
        public static readonly EndpointPolicy Framework = new(null);

        public AuthenticatedUserRequirement? Requirement { get; } = requirement;
    }
}

/// <summary>
/// Whether anything listens to the framework's <c>aspnetcore.authorization.attempts</c> counter of this host (its
/// <see cref="IMeterFactory"/>): while it is enabled — or was never found — every request goes through the framework, so
/// the counter counts every attempt exactly as before. The gateway's own exporter does not subscribe to it.
/// </summary>
internal sealed class FrameworkAuthorizationAttempts : IDisposable
{
    private readonly MeterListener _listener = new();
    private Instrument? _instrument;

    public FrameworkAuthorizationAttempts(IMeterFactory meters, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // The counter is created with the framework's authorization service (its metrics are built with it).
        _ = services.GetService<IAuthorizationService>();
        _listener.InstrumentPublished = (instrument, _) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters)
                && string.Equals(instrument.Meter.Name, GatewayAuthorizationMiddleware.AttemptsMeterName, StringComparison.Ordinal)
                && string.Equals(instrument.Name, GatewayAuthorizationMiddleware.AttemptsInstrumentName, StringComparison.Ordinal))
            {
                Volatile.Write(ref _instrument, instrument);
            }
        };
        _listener.Start();
    }

    /// <summary>True while the counter has a listener, and when it was not found (fail towards the framework).</summary>
    public bool Enabled => Volatile.Read(ref _instrument)?.Enabled != false;

    public void Dispose() => _listener.Dispose();
}
