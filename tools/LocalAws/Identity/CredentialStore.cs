using System.Collections.Concurrent;
using Gateway.Policies.Evaluation;
using LocalAws.Configuration;

namespace LocalAws.Identity;

/// <summary>Access key → principal: the configured IAM users plus the sessions STS has issued (pruned once expired).</summary>
internal sealed class CredentialStore
{
    private static readonly TimeSpan s_pruneGrace = TimeSpan.FromHours(1);

    private readonly Dictionary<string, Principal> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Principal> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private int _issuedSinceLastPrune;

    public CredentialStore(LocalAwsConfig config, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(config);
        _clock = clock;
        foreach (var user in config.Users)
        {
            _users[user.AccessKeyId] = new Principal
            {
                Arn = user.Arn,
                UserId = "AIDA" + user.AccessKeyId[4..],
                AccessKeyId = user.AccessKeyId,
                SecretAccessKey = user.SecretAccessKey,
                IdentityPolicies = user.Policies,
                Context = new RequestContext(new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
                {
                    ["aws:PrincipalArn"] = [user.Arn],
                    ["aws:username"] = [user.Name],
                    ["aws:PrincipalAccount"] = [config.AccountId],
                    ["aws:PrincipalType"] = ["User"],
                }),
            };
        }
    }

    public int ActiveSessions => _sessions.Count;

    public bool TryFind(string accessKeyId, out Principal principal)
    {
        if (_users.TryGetValue(accessKeyId, out principal!))
        {
            return true;
        }

        return _sessions.TryGetValue(accessKeyId, out principal!);
    }

    public void AddSession(Principal session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions[session.AccessKeyId] = session;
        if (Interlocked.Increment(ref _issuedSinceLastPrune) >= 1000)
        {
            Interlocked.Exchange(ref _issuedSinceLastPrune, 0);
            var cutoff = _clock.GetUtcNow() - s_pruneGrace;
            foreach (var (key, value) in _sessions)
            {
                if (value.Expiration < cutoff)
                {
                    _sessions.TryRemove(key, out _);
                }
            }
        }
    }
}
