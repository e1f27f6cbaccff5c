namespace Gateway.Hosting;

/// <summary>
/// The <c>Shutdown</c> section: how the gateway stops on SIGTERM (docs/deploy.md, "Shutdown and rolling updates").
/// <see cref="GracefulShutdown"/> runs the sequence; the host's own shutdown timeout is set to
/// <see cref="DrainDelay"/> + <see cref="Timeout"/>.
/// </summary>
internal sealed class ShutdownOptions
{
    public const string SectionName = "Shutdown";

    /// <summary>The longest <see cref="DrainDelay"/> accepted: a load balancer that needs longer is misconfigured.</summary>
    public static readonly TimeSpan MaxDrainDelay = TimeSpan.FromMinutes(5);

    /// <summary>The longest <see cref="Timeout"/> accepted.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// After SIGTERM, how long the gateway keeps serving (and accepting connections) while <c>/readyz</c> answers 503 and
    /// every response carries <c>Connection: close</c>, so load balancers take it out before its port closes.
    /// Default 5 s; 0 = stop accepting at once.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After the drain delay, how long requests still in flight may take to finish once the gateway stopped accepting
    /// connections; those still running then are aborted. Default 25 s.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(25);
}
