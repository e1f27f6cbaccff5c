using System.Globalization;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Gateway.Isolation.Aws;
using Gateway.Isolation.Caching;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Permissions;
using Gateway.Policies;
using Gateway.Policies.Documents;
using Gateway.Policies.Revocations;
using Gateway.Policies.SessionPolicies;
using Gateway.Verification;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll revoke --organization X [--user U] [--reason TEXT] [--timeout SECONDS]</c> and <c>revoke --list</c>:
/// denies every STS session of the organization (or the user's) issued before now, through the tenant role's inline
/// policy <see cref="TenantRevocations.PolicyName"/>, written with the <b>operator's</b> identity (the AWS SDK's default
/// credential chain: <c>AWS_PROFILE</c>, <c>AWS_ACCESS_KEY_ID</c>…; never the gateway's <c>TenantIsolation:Aws</c> keys),
/// then proves the cut-off with the gateway's identity: a session of that scope assumed before the revocation is refused
/// by DynamoDB, a fresh one is allowed, another organization's older session is untouched. Exit 0 revoked and proven;
/// 1 the proof did not hold within the timeout, an endpoint failed, or the policy holds a statement revoke did not write;
/// 2 bad usage or configuration, or the role's inline policies would exceed IAM's size limit (nothing changed); 3 the
/// identity may not change the tenant role (AccessDenied; nothing changed).
/// </summary>
internal static class RevokeCommand
{
    public const int Failed = 1;
    public const int Usage = CliArguments.Usage;
    public const int Denied = 3;
    private const string UsageText = "usage: Gateway revoke --organization ORG [--user USER] [--reason TEXT] [--timeout SECONDS] | Gateway revoke --list";
    private const string ProofUser = "zz-revoke";
    private const string OtherProofUser = "zz-revoke-other";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args, VerbHost host, TextWriter stdout, TextWriter stderr, TimeProvider? time = null, AWSCredentials? operatorCredentials = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        time ??= TimeProvider.System;
        var list = args.Contains("--list", StringComparer.Ordinal);
        if (CliArguments.TryRead("revoke", args.Where(a => a != "--list").ToArray(), UsageText, ["--organization", "--user", "--reason", "--timeout"], stdout, stderr, out var values) is { } exit)
        {
            return exit;
        }

        if (list && values.Count > 0)
        {
            return CliArguments.Fail(stderr, $"revoke: --list takes no other argument. {UsageText}");
        }

        var organization = values.GetValueOrDefault("--organization");
        var user = values.GetValueOrDefault("--user");
        if (!list && organization is null)
        {
            return CliArguments.Fail(stderr, $"revoke: --organization is required. {UsageText}");
        }

        if (organization is not null && !OrganizationId.IsWellFormed(organization))
        {
            return CliArguments.Fail(stderr, $"revoke: '{CliArguments.Truncate(organization)}' is not a valid organization id ({CliArguments.OrganizationIdRule}).");
        }

        var timeout = DefaultTimeout;
        if (values.GetValueOrDefault("--timeout") is { } timeoutText)
        {
            if (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 600)
            {
                return CliArguments.Fail(stderr, $"revoke: --timeout must be a whole number of seconds from 1 to 600 (IAM propagates a change in seconds), not '{CliArguments.Truncate(timeoutText)}'.");
            }

            timeout = TimeSpan.FromSeconds(seconds);
        }

        var configuration = PolicyCommand.LoadConfiguration(host.ContentRoot);
        using var services = PolicyCommand.BuildServices(configuration, host);
        TenantIsolationOptions options;
        PermissionSetCatalog catalog;
        try
        {
            var failures = GatewayConfiguration.ValidateAll(services);
            if (failures.Count > 0)
            {
                return CliArguments.Fail(stderr, $"revoke: configuration is invalid ({configuration.DescribeSources()}): {string.Join(" | ", failures)}");
            }

            options = services.GetRequiredService<IOptions<TenantIsolationOptions>>().Value;
            catalog = services.GetRequiredService<PermissionSetCatalog>();
        }
        catch (Exception ex) when (ex is InvalidOperationException or Isolation.GatewayStartupException)
        {
            return CliArguments.Fail(stderr, $"revoke: {ex.Message}");
        }

        try
        {
            operatorCredentials ??= DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }
        catch (AmazonClientException)
        {
            return CliArguments.Fail(stderr, "revoke: no operator credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, to an identity allowed iam:GetRolePolicy/iam:PutRolePolicy on the tenant role (revoke never uses the gateway's TenantIsolation:Aws keys).");
        }

        var iam = new IamClient(options.Aws, time, operatorCredentials);
        var roles = catalog.TenantRoleNames().ToList();
        if (roles.Count == 0)
        {
            return CliArguments.Fail(stderr, "revoke: no tenant role is configured (TenantIsolation:RoleArn, or each permission set's RoleArn in Abac mode).");
        }

        try
        {
            if (list)
            {
                return await ListAsync(iam, roles, stdout, cancellationToken).ConfigureAwait(false);
            }

            var revocation = new Scope(OrganizationId.Parse(organization!), user, options);
            return await RevokeAsync(services, options, catalog, iam, roles, revocation, values.GetValueOrDefault("--reason"), timeout, time, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode is "AccessDenied" or "AccessDeniedException")
        {
            return CliArguments.Fail(stderr, $"revoke: {iam.Endpoint} refused the operator identity (AccessDenied); nothing was changed. The identity of the AWS default credential chain needs iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy and iam:PutRolePolicy on {string.Join(", ", roles)} (the template's OperatorPrincipalArn); the gateway's own identity is never allowed to change its tenant role.", Denied);
        }
        catch (AmazonServiceException ex)
        {
            return CliArguments.Fail(stderr, $"revoke: {iam.Endpoint} failed ({ex.ErrorCode ?? ex.GetType().Name}); see --list for what is in force.", Failed);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException)
        {
            return CliArguments.Fail(stderr, $"revoke: cannot reach {iam.Endpoint} ({ex.GetType().Name}); nothing was changed. Point TenantIsolation:Aws:IamServiceUrl (environment: TenantIsolation__Aws__IamServiceUrl) at it.", Failed);
        }
        catch (PolicyDocumentException ex)
        {
            return CliArguments.Fail(stderr, $"revoke: {ex.Message}; nothing was changed.", Failed);
        }
    }

    private static async Task<int> ListAsync(IamClient iam, List<string> roles, TextWriter stdout, CancellationToken cancellationToken)
    {
        foreach (var role in roles)
        {
            var json = await iam.GetRolePolicyAsync(role, TenantRevocations.PolicyName, cancellationToken).ConfigureAwait(false);
            var revocations = json is null ? TenantRevocations.Empty : TenantRevocations.Parse(json);
            await stdout.WriteLineAsync($"role {role}: {revocations.Entries.Count} active revocation(s) in {TenantRevocations.PolicyName}").ConfigureAwait(false);
            foreach (var entry in revocations.Entries)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {entry.Scope}: sessions issued before {entry.IssuedBefore:yyyy-MM-dd'T'HH:mm:ss'Z'} denied")).ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static async Task<int> RevokeAsync(ServiceProvider services, TenantIsolationOptions options, PermissionSetCatalog catalog, IamClient iam, List<string> roles, Scope scope, string? reason, TimeSpan timeout, TimeProvider time, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        // What the proof reads with: the first permission set (by name) that reads a table, and that table.
        var set = catalog.Sets.Values.OrderBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(s => s.Tables.Any(t => t.Read));
        if (set is null || !options.Tables.TryGetValue(set.Tables.First(t => t.Read).TableName, out var table))
        {
            return CliArguments.Fail(stderr, "revoke: no permission set reads a configured table, so the cut-off cannot be proven; nothing was changed.");
        }

        var tableName = set.Tables.First(t => t.Read).TableName;
        var runner = services.GetRequiredService<VerificationRunner>();
        var neighbour = scope.Organization.Value == "zz-revoke-neighbour" ? "zz-revoke-neighbour-2" : "zz-revoke-neighbour";
        var sessions = new List<VerificationSessionResult>();
        try
        {
            // Sessions issued before the cut-off: the revoked scope's, another organization's, and (per-user sessions)
            // another user's of the same organization — each must work before anything changes (the allow twins).
            var before = await AssumeAsync(runner, scope.Organization.Value, set.Name, scope.User ?? ProofUser, sessions, cancellationToken).ConfigureAwait(false);
            var other = await AssumeAsync(runner, neighbour, set.Name, ProofUser, sessions, cancellationToken).ConfigureAwait(false);
            var otherUser = scope.User is not null && options.CredentialScope == CredentialScope.User
                ? await AssumeAsync(runner, scope.Organization.Value, set.Name, OtherProofUser, sessions, cancellationToken).ConfigureAwait(false)
                : null;
            if (before.Client is null || other.Client is null || otherUser is { Client: null })
            {
                var failed = new[] { before, other, otherUser }.First(s => s is { Client: null })!;
                return CliArguments.Fail(stderr, $"revoke: the gateway's identity could not assume the sessions the proof needs ({failed.Check.Name}: {failed.Check.Observed}); nothing was changed.", Failed);
            }

            foreach (var (session, organization) in Pairs(before, scope.Organization.Value, other, neighbour, otherUser))
            {
                var probe = await ProbeAsync(session, table, tableName, organization, ProbeExpectation.Allowed, cancellationToken).ConfigureAwait(false);
                if (!probe.Passed)
                {
                    return CliArguments.Fail(stderr, $"revoke: {session.SessionName} is refused before any revocation ({probe.Observed}), so the proof could not tell what revoke changes; nothing was changed.", Failed);
                }
            }

            // The cut-off: a whole second after those sessions were issued, so they fall before it.
            var now = time.GetUtcNow();
            await Task.Delay(TimeSpan.FromTicks(TimeSpan.TicksPerSecond - (now.UtcTicks % TimeSpan.TicksPerSecond)) + TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
            var revocation = new Revocation(scope.Organization, time.GetUtcNow(), scope.SourceIdentities);

            var planned = new List<(string Role, string Json, IReadOnlyList<Revocation> Pruned)>();
            foreach (var role in roles)
            {
                var current = await iam.GetRolePolicyAsync(role, TenantRevocations.PolicyName, cancellationToken).ConfigureAwait(false);
                var maxSession = await iam.GetMaxSessionDurationAsync(role, cancellationToken).ConfigureAwait(false);
                var next = (current is null ? TenantRevocations.Empty : TenantRevocations.Parse(current))
                    .Prune(time.GetUtcNow(), maxSession, out var pruned)
                    .Add(revocation);
                var json = next.ToDocument()!.ToJson();
                var others = 0;
                foreach (var name in await iam.ListRolePoliciesAsync(role, cancellationToken).ConfigureAwait(false))
                {
                    if (name != TenantRevocations.PolicyName && await iam.GetRolePolicyAsync(role, name, cancellationToken).ConfigureAwait(false) is { } text)
                    {
                        others += TenantRevocations.CountedLength(text);
                    }
                }

                var total = others + TenantRevocations.CountedLength(json);
                if (total > TenantRevocations.RoleInlinePolicyLimit)
                {
                    return CliArguments.Fail(stderr, string.Create(CultureInfo.InvariantCulture, $"revoke: role {role}'s inline policies would be {total} characters with this revocation, over IAM's {TenantRevocations.RoleInlinePolicyLimit}; nothing was changed. {next.Entries.Count} revocations are active (revoke --list); older ones are pruned once the role's maximum session ({maxSession.TotalHours:0.##} h) has passed."));
                }

                planned.Add((role, json, pruned));
            }

            var written = new List<string>();
            foreach (var (role, json, _) in planned)
            {
                try
                {
                    await iam.PutRolePolicyAsync(role, TenantRevocations.PolicyName, json, cancellationToken).ConfigureAwait(false);
                    written.Add(role);
                }
                catch (AmazonServiceException ex) when (written.Count > 0 || ex.ErrorCode == "LimitExceeded")
                {
                    // Abac mode writes one role per permission set: never claim "nothing was changed" once one was.
                    var changed = written.Count == 0 ? "nothing was changed" : $"already written to {string.Join(", ", written)} — run revoke again once the cause is fixed";
                    return CliArguments.Fail(stderr, $"revoke: {iam.Endpoint} refused role {role}'s {TenantRevocations.PolicyName} ({ex.ErrorCode ?? ex.GetType().Name}); {changed}.", ex.ErrorCode == "LimitExceeded" ? Usage : Failed);
                }
            }

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"revoked {revocation.Scope}: sessions issued before {revocation.IssuedBefore:yyyy-MM-dd'T'HH:mm:ss'Z'} are denied ({TenantRevocations.PolicyName} on {string.Join(", ", roles)}{(reason is null ? string.Empty : $"; reason: {reason.ReplaceLineEndings(" ")}")})")).ConfigureAwait(false);
            var prunedCount = planned.Sum(p => p.Pruned.Count);
            if (prunedCount > 0)
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"pruned {prunedCount} expired revocation(s): {string.Join(", ", planned.SelectMany(p => p.Pruned).Select(p => p.Scope).Distinct(StringComparer.Ordinal))}")).ConfigureAwait(false);
            }

            await EvictAsync(options, scope, stdout, cancellationToken).ConfigureAwait(false);
            return await ProveAsync(runner, table, tableName, set.Name, scope, before, other, neighbour, otherUser, timeout, time, sessions, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Client?.Dispose();
            }
        }
    }

    /// <summary>The proof after the put: the old session refused (polled: IAM is eventually consistent), then a fresh one allowed and the untouched ones still allowed.</summary>
    private static async Task<int> ProveAsync(VerificationRunner runner, TenantTableOptions table, string tableName, string set, Scope scope, VerificationSessionResult before, VerificationSessionResult other, string neighbour, VerificationSessionResult? otherUser, TimeSpan timeout, TimeProvider time, List<VerificationSessionResult> sessions, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        VerificationCheck refused;
        while (true)
        {
            refused = await ProbeAsync(before, table, tableName, scope.Organization.Value, ProbeExpectation.Denied, cancellationToken).ConfigureAwait(false);
            if (refused.Passed || time.GetElapsedTime(started) >= timeout)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
        }

        var waited = time.GetElapsedTime(started);
        var fresh = await AssumeAsync(runner, scope.Organization.Value, set, scope.User ?? ProofUser, sessions, cancellationToken).ConfigureAwait(false);
        List<(string What, VerificationCheck Check)> evidence =
        [
            ($"a session of {scope.Organization.Value} issued before the cut-off ({before.SessionName}) is refused", refused),
            ($"a fresh session of {scope.Organization.Value} ({fresh.SessionName ?? "not issued"}) is allowed", fresh.Client is null ? fresh.Check : await ProbeAsync(fresh, table, tableName, scope.Organization.Value, ProbeExpectation.Allowed, cancellationToken).ConfigureAwait(false)),
            ($"another organization's older session ({other.SessionName}) is untouched", await ProbeAsync(other, table, tableName, neighbour, ProbeExpectation.Allowed, cancellationToken).ConfigureAwait(false)),
        ];
        if (otherUser is not null)
        {
            evidence.Add(($"another user's older session of {scope.Organization.Value} ({otherUser.SessionName}) is untouched", await ProbeAsync(otherUser, table, tableName, scope.Organization.Value, ProbeExpectation.Allowed, cancellationToken).ConfigureAwait(false)));
        }

        foreach (var (what, check) in evidence)
        {
            await stdout.WriteLineAsync($"  {(check.Passed ? "PASS" : "FAIL")}  {what}: {check.Observed}").ConfigureAwait(false);
        }

        if (evidence.FirstOrDefault(e => !e.Check.Passed) is { What: not null } failed)
        {
            return CliArguments.Fail(stderr, string.Create(CultureInfo.InvariantCulture, $"revoke: the revocation is written but not proven: {failed.What} did not hold (observed {failed.Check.Observed}, expected {failed.Check.Expected}) after {waited.TotalSeconds:0.#} s; run revoke --list and try again."), Failed);
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"proven: the cut-off took effect after {waited.TotalSeconds:0.#} s")).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// With a fleet: as <c>evict</c> — the user's cached memberships and credentials, or (no user) everything cached of
    /// the organization, dropped from L2 and on every instance, so the next request mints credentials issued after the
    /// cut-off. Without one there is no fleet to reach: each gateway re-mints on its own (it watches the revocations,
    /// <c>TenantIsolation:Revocations</c>), and the line says so.
    /// </summary>
    private static async Task EvictAsync(TenantIsolationOptions options, Scope scope, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (!options.SharedCache.Enabled)
        {
            var poll = options.Revocations.PollInterval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            await stdout.WriteLineAsync(!options.Revocations.Enabled
                ? "caches: no TenantIsolation:SharedCache:Redis, so no fleet to evict from, and TenantIsolation:Revocations:Enabled is false: each gateway instance keeps the cached credentials issued before the cut-off, and the data store refuses them (403 tenant_access_denied) until refresh-ahead replaces them or the instance restarts — restart the gateway before reactivating the organization (the runbook in docs/deploy.md)."
                : scope.User is null
                ? $"caches: no TenantIsolation:SharedCache:Redis, so no fleet to evict from; each gateway instance reads {TenantRevocations.PolicyName} every TenantIsolation:Revocations:PollInterval ({poll} s) and re-mints its cached credentials of the organization issued before the cut-off (an instance that may not read it — /readyz revocations Degraded — serves them, refused by the data store with 403 tenant_access_denied, until refresh-ahead or a restart)."
                : $"caches: no TenantIsolation:SharedCache:Redis, so no fleet to evict from; each gateway instance forgets the user's membership after TenantIsolation:Membership:PositiveTtl and, within TenantIsolation:Revocations:PollInterval ({poll} s), re-mints its cached credentials the revocation covers.").ConfigureAwait(false);
            return;
        }

        var again = scope.User is null ? $"evict --organization {scope.Organization.Value}" : $"evict --user {scope.User} --organization {scope.Organization.Value}";
        try
        {
            var result = await FleetEviction.EvictAsync(options.SharedCache, scope.User, scope.Organization.Value, cancellationToken).ConfigureAwait(false);
            var line = $"caches: {EvictCommand.Describe(scope.User, scope.Organization.Value, result)}";
            await stdout.WriteLineAsync(result.Confirmed < result.Instances ? $"{line}; run {again} once every instance answers" : line).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await stdout.WriteLineAsync($"caches: Redis unreachable ({ex.GetType().Name}); run {again} once it answers").ConfigureAwait(false);
        }
    }

    private static IEnumerable<(VerificationSessionResult Session, string Organization)> Pairs(VerificationSessionResult before, string organization, VerificationSessionResult other, string neighbour, VerificationSessionResult? otherUser)
    {
        yield return (before, organization);
        yield return (other, neighbour);
        if (otherUser is not null)
        {
            yield return (otherUser, organization);
        }
    }

    private static async Task<VerificationSessionResult> AssumeAsync(VerificationRunner runner, string organization, string set, string user, List<VerificationSessionResult> sessions, CancellationToken cancellationToken)
    {
        var session = await runner.AssumeAsync(organization, set, user, cancellationToken).ConfigureAwait(false);
        sessions.Add(session);
        return session;
    }

    private static Task<VerificationCheck> ProbeAsync(VerificationSessionResult session, TenantTableOptions table, string tableName, string organization, ProbeExpectation expected, CancellationToken cancellationToken)
        => VerificationRunner.ProbeAsync(session.Client!, table, new VerificationProbe
        {
            Name = $"GetItem {tableName} → {organization}",
            Operation = ProbeOperation.GetItem,
            Table = tableName,
            Targets = [organization],
            Expected = expected,
        }, "zz-revoke-probe", cancellationToken);

    /// <summary>
    /// Whose sessions a revocation denies: the organization's; with a user, the user's own sessions (SourceIdentity =
    /// the user) and — with <c>CredentialScope=Organization</c> — the organization's shared sessions the user held.
    /// </summary>
    private sealed record Scope
    {
        public Scope(OrganizationId organization, string? user, TenantIsolationOptions options)
        {
            Organization = organization;
            User = user;
            SourceIdentities = user is null
                ? []
                : options.CredentialScope == CredentialScope.User
                    ? [SessionNames.SourceIdentity(user)]
                    : [SessionNames.SourceIdentity(user), options.SourceIdentity];
        }

        public OrganizationId Organization { get; }

        public string? User { get; }

        public IReadOnlyList<string> SourceIdentities { get; }
    }
}
