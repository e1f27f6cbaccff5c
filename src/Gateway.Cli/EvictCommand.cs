using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Verification;
using Gateway.Policies;
using StackExchange.Redis;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll evict --user U [--organization O]</c>: revokes now what the caches would otherwise remember until
/// <c>TenantIsolation:Membership:PositiveTtl</c>: removes the user's memberships (and per-user credentials) from the
/// shared cache and, through the backplane, from every running instance, which each confirm. <c>evict --organization O</c>
/// (no user) drops everything cached of the organization: its record, every user's memberships in it and every
/// credential set of it, so the next request mints credentials issued after now (what <c>revoke</c> needs). Same
/// configuration as <see cref="PolicyCommand"/>. Prints one line. Exit 0 done and every instance confirmed; 1 Redis unreachable or an
/// instance did not confirm in time; 2 bad usage or no shared cache configured.
/// </summary>
internal static class EvictCommand
{
    public const int Failed = 1;
    public const int Usage = CliArguments.Usage;
    private const string UsageText = "usage: Gateway evict --user USER [--organization ORG] | Gateway evict --organization ORG";

    public static async Task<int> RunAsync(string[] args, VerbHost host, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (CliArguments.TryRead("evict", args, UsageText, ["--user", "--organization"], stdout, stderr, out var values) is { } exit)
        {
            return exit;
        }

        var user = values.GetValueOrDefault("--user");
        var organization = values.GetValueOrDefault("--organization");

        if (user is null && organization is null)
        {
            return CliArguments.Fail(stderr, $"evict: --user or --organization is required. {UsageText}", Usage);
        }

        if (organization is not null && !OrganizationId.IsWellFormed(organization))
        {
            return CliArguments.Fail(stderr, $"evict: '{CliArguments.Truncate(organization)}' is not a valid organization id ({CliArguments.OrganizationIdRule}).", Usage);
        }

        // Only the shared cache's connection settings matter here (no sealing key is needed to delete entries and
        // publish an eviction), so these two sections are bound without the gateway's full validation.
        var configuration = PolicyCommand.LoadConfiguration(host.ContentRoot);
        var section = configuration.Configuration.GetSection(TenantIsolationOptions.SectionName);
        SharedCacheOptions shared;
        TimeSpan ttl;
        try
        {
            shared = section.GetSection(nameof(TenantIsolationOptions.SharedCache)).Get<SharedCacheOptions>() ?? new SharedCacheOptions();
            ttl = (section.GetSection(nameof(TenantIsolationOptions.Membership)).Get<MembershipOptions>() ?? new MembershipOptions()).PositiveTtl;
        }
        catch (InvalidOperationException ex)
        {
            return CliArguments.Fail(stderr, $"evict: configuration cannot be read ({configuration.DescribeSources()}): {ex.Message}", Usage);
        }

        if (!shared.Enabled)
        {
            return CliArguments.Fail(stderr, user is null
                ? "evict: TenantIsolation:SharedCache:Redis is not configured, so there is no fleet to evict from; a single instance keeps the organization's still valid credentials until they are refreshed (RefreshAhead before CredentialLifetime ends); suspend the organization to stop its requests, and revoke --organization to cut off its credentials (the instance re-mints them within TenantIsolation:Revocations:PollInterval)."
                : string.Create(CultureInfo.InvariantCulture, $"evict: TenantIsolation:SharedCache:Redis is not configured, so there is no fleet to evict from; each instance forgets a membership after TenantIsolation:Membership:PositiveTtl ({ttl.TotalSeconds:0.###} s)."), Usage);
        }

        FleetEvictionResult result;
        try
        {
            result = await FleetEviction.EvictAsync(shared, user, organization, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            var cause = await CauseAsync(ex, shared.Redis!, cancellationToken).ConfigureAwait(false);
            return CliArguments.Fail(stderr, $"evict: Redis at {RedactedEndpoints(shared.Redis!)} is unreachable ({cause}); nothing was evicted.", Failed);
        }

        var line = Describe(user, organization, result);
        if (result.Confirmed < result.Instances)
        {
            return CliArguments.Fail(stderr, user is null
                ? $"evict: {line}; the others keep the organization's credentials until they are refreshed or rejected by the data store (an instance older than organization-wide evictions never confirms: evict each user)."
                : $"evict: {line}; the others keep it until TenantIsolation:Membership:PositiveTtl.", Failed);
        }

        await stdout.WriteLineAsync(line).ConfigureAwait(false);
        return 0;
    }

    /// <summary>The outcome line: what was evicted, how many L2 entries went, how many instances confirmed.</summary>
    internal static string Describe(string? user, string? organization, FleetEvictionResult result)
    {
        var what = user is null
            ? $"organization {organization} (its record, every user's memberships and every credential set)"
            : $"user {user} in {(organization is null ? "all organizations" : $"organization {organization}")}";
        return string.Create(CultureInfo.InvariantCulture, $"evicted {what}: {result.EntriesRemoved} shared cache entries removed, {result.Confirmed} of {result.Instances} instances confirmed");
    }

    /// <summary>
    /// Why Redis could not be used, in a few words and without the exception's message (which may quote the connection
    /// string). The client says only "unable to connect", so its endpoints are tried with a plain TCP connection (2 s
    /// each): the socket error ("connection refused", "name not resolved"…), or, when TCP connects, that Redis did not
    /// complete the handshake (TLS, password or not Redis). Otherwise the client's failure type.
    /// </summary>
    internal static async Task<string> CauseAsync(Exception exception, string connectionString, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }:
                return "authentication failed";
            case RedisTimeoutException or TimeoutException:
                return "timed out";
            case RedisConnectionException { FailureType: ConnectionFailureType.UnableToConnect }:
                break;
            case RedisConnectionException connection:
                return connection.FailureType.ToString();
            default:
                return exception.GetType().Name;
        }

        IEnumerable<EndPoint> endpoints;
        try
        {
            endpoints = ConfigurationOptions.Parse(connectionString).EndPoints;
        }
        catch (ArgumentException)
        {
            return "unable to connect";
        }

        foreach (var endpoint in endpoints)
        {
            var (host, port) = endpoint switch
            {
                DnsEndPoint dns => (dns.Host, dns.Port),
                IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                _ => (null, 0),
            };
            if (host is null)
            {
                continue;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(2));
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(host, port == 0 ? 6379 : port, deadline.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                return VerificationEndpoints.Cause(e);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return "no TCP connection within 2 s";
            }
        }

        return "unable to connect: TCP connects but Redis did not complete the handshake (TLS, password or not Redis?)";
    }

    /// <summary>The endpoints of a connection string, without its password or other options.</summary>
    private static string RedactedEndpoints(string connectionString)
    {
        try
        {
            return string.Join(",", ConfigurationOptions.Parse(connectionString).EndPoints.Select(e => e.ToString()));
        }
        catch (ArgumentException)
        {
            return "(unparseable connection string)";
        }
    }


}
