using System.Collections.Concurrent;

namespace LocalAws.Identity;

/// <summary>Access key → principal: the IAM users of the <see cref="IamDirectory"/> plus the sessions STS has issued (pruned once expired).</summary>
internal sealed class CredentialStore
{
    private static readonly TimeSpan s_pruneGrace = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Principal> _sessions = new(StringComparer.Ordinal);
    private readonly IamDirectory _directory;
    private readonly TimeProvider _clock;
    private int _issuedSinceLastPrune;

    public CredentialStore(IamDirectory directory, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _directory = directory;
        _clock = clock;
    }

    public int ActiveSessions => _sessions.Count;

    public bool TryFind(string accessKeyId, out Principal principal)
    {
        if (_directory.TryFindUser(accessKeyId, out var user))
        {
            principal = user;
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
