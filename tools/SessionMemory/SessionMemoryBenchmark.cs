using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Configuration;
using Gateway.Envelopes;
using Gateway.Isolation.Configuration;
using Gateway.Isolation.Credentials;
using Gateway.Isolation.Diagnostics;
using Gateway.Isolation.Evaluation;
using Gateway.Isolation.Memberships;
using Gateway.Policies;
using Gateway.Policies.SessionPolicies;
using Gateway.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace SessionMemory;

/// <summary>
/// Primes N organization sessions (one user, one organization each) through the gateway's real caches —
/// <see cref="MembershipService"/>, <see cref="CredentialCache"/>, <see cref="EnvelopeService"/> — with an in-process
/// store and issuer, and reports the retained managed bytes (GC.GetTotalMemory(true) deltas) per session and per part.
/// </summary>
internal static class SessionMemoryBenchmark
{
    /// <summary>One shared digest string, as the permission set catalog hands out (a reference per key, no copy).</summary>
    private const string PolicyDigest = "0000000000000000";

    private const int WarmSessions = 1_000;

    public static async Task<string> RunAsync(int sessions, int sessionTokenChars)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new IsolationMetrics(services.GetRequiredService<IMeterFactory>());
        var options = new TenantIsolationOptions();
        options.Cache.SizeLimit = sessions + WarmSessions;
        options.Membership.CacheSizeLimit = sessions + WarmSessions;
        var wrapped = Options.Create(options);
        var time = TimeProvider.System;
        using var membership = new MembershipService(new MemberStore(), new StaticMonitor<TenantIsolationOptions>(options), time, metrics);
        using var credentials = new CredentialCache(new Issuer(sessionTokenChars), wrapped, time, metrics, NullLogger<CredentialCache>.Instance);
        var envelopeOptions = new EnvelopeOptions();
        envelopeOptions.Clusters["applications"] = new ClusterEnvelopeOptions
        {
            Current = new GatewayEnvelopeKeyOptions { KeyId = DevelopmentEnvelopeKeys.LocalKeyId, Key = DevelopmentEnvelopeKeys.LocalKeyBase64 },
        };
        var envelopes = new EnvelopeService(Options.Create(new ForwardingOptions()), new StaticMonitor<EnvelopeOptions>(envelopeOptions), time);
        var permissionSet = new PermissionSet { Name = "admin", Tables = [] };

        // Warm every code path (JIT, static caches) on sessions primed before the baseline (not counted).
        await PrimeAsync(Ids(WarmSessions, "warm"), membership, credentials, envelopes, permissionSet).ConfigureAwait(false);
        var baseline = Settle();

        var decisions = new TenantIsolationDecision[sessions];
        baseline = Settle();
        var ids = Ids(sessions, "user");
        var afterIds = Settle();
        for (var i = 0; i < sessions; i++)
        {
            var (user, org) = ids[i];
            await membership.GetAsync(user, org, CancellationToken.None).ConfigureAwait(false);
        }

        var afterMemberships = Settle();
        for (var i = 0; i < sessions; i++)
        {
            var (user, org) = ids[i];
            var result = await credentials.GetAsync(new CredentialKey(org, permissionSet.Name, null, PolicyDigest), permissionSet, CancellationToken.None).ConfigureAwait(false);
            decisions[i] = TenantIsolationDecision.Allow(org, user, "ADMINISTRATOR", permissionSet.Name, result.Credentials!);
        }

        var afterCredentials = Settle();
        var envelopeChars = 0L;
        for (var i = 0; i < sessions; i++)
        {
            envelopeChars += envelopes.GetEnvelope(decisions[i], "applications", "req-1")!.Length;
        }

        var afterEnvelopes = Settle();
        if (membership.Count < sessions + WarmSessions || credentials.Count < sessions + WarmSessions)
        {
            throw new InvalidOperationException($"Caches did not keep every session ({membership.Count} memberships, {credentials.Count} credentials of {sessions}).");
        }

        // The benchmark's own decisions are not a gateway cost: measure them and take them out.
        Array.Clear(decisions);
        var afterDrop = Settle();
        var decisionsOnly = afterEnvelopes - afterDrop;
        GC.KeepAlive(ids);
        GC.KeepAlive(decisions);

        var idsBytes = afterIds - baseline;
        var membershipBytes = afterMemberships - afterIds;
        var credentialBytes = afterCredentials - afterMemberships - decisionsOnly;
        var envelopeBytes = afterEnvelopes - afterCredentials;
        var total = idsBytes + membershipBytes + credentialBytes + envelopeBytes;
        double Per(long bytes) => Math.Round((double)bytes / sessions, 1);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"sessions primed: {sessions:N0} (session token {sessionTokenChars} chars, envelope {envelopeChars / sessions} chars)")
            .AppendLine(CultureInfo.InvariantCulture, $"ids (user + organization strings held by keys): {Per(idsBytes)} B/session")
            .AppendLine(CultureInfo.InvariantCulture, $"membership entries: {Per(membershipBytes)} B/session")
            .AppendLine(CultureInfo.InvariantCulture, $"credential entries: {Per(credentialBytes)} B/session")
            .AppendLine(CultureInfo.InvariantCulture, $"envelope entries: {Per(envelopeBytes)} B/session")
            .AppendLine(CultureInfo.InvariantCulture, $"total: {Per(total)} B/session (target <= 2048: {(Per(total) <= 2048 ? "met" : "MISSED")})")
            .Append(CultureInfo.InvariantCulture, $"bytesPerSession={Per(total)}");
        GC.KeepAlive(membership);
        GC.KeepAlive(credentials);
        GC.KeepAlive(envelopes);
        return text.ToString();
    }

    private static (string User, OrganizationId Organization)[] Ids(int count, string prefix)
    {
        var ids = new (string, OrganizationId)[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D7}"), OrganizationId.Parse(string.Create(CultureInfo.InvariantCulture, $"org-{prefix}-{i:D7}")));
        }

        return ids;
    }

    private static async Task PrimeAsync((string User, OrganizationId Organization)[] ids, MembershipService membership, CredentialCache credentials, EnvelopeService envelopes, PermissionSet permissionSet)
    {
        foreach (var (user, org) in ids)
        {
            await membership.GetAsync(user, org, CancellationToken.None).ConfigureAwait(false);
            var result = await credentials.GetAsync(new CredentialKey(org, permissionSet.Name, null, PolicyDigest), permissionSet, CancellationToken.None).ConfigureAwait(false);
            envelopes.GetEnvelope(TenantIsolationDecision.Allow(org, user, "ADMINISTRATOR", permissionSet.Name, result.Credentials!), "applications", "req-0");
        }
    }

    private static long Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private sealed class StaticMonitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }

    private sealed class MemberStore : IMembershipStore
    {
        public Task<Membership> LookupAsync(string userId, OrganizationId organizationId, CancellationToken cancellationToken)
            => Task.FromResult(new Membership(MembershipStatus.Member, "ADMINISTRATOR"));

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Issuer(int sessionTokenChars) : ICredentialIssuer
    {
        public Task<ScopedCredentials> IssueAsync(CredentialKey key, PermissionSet permissionSet, CancellationToken cancellationToken)
            => Task.FromResult(new ScopedCredentials(
                "ASIA" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)),
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)),
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(sessionTokenChars * 3 / 4))[..sessionTokenChars],
                DateTimeOffset.UtcNow.AddHours(1),
                SessionNames.RoleSessionName(key.OrganizationId, permissionSet.Name, key.UserId)));

        public Task CheckReachableAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
