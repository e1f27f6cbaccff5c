using Gateway.Isolation.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Isolation.Credentials;

/// <summary>
/// The outcomes of recent AssumeRole calls (after retries) within <see cref="StsResilienceOptions.HealthWindow"/>, so
/// /readyz can say "STS answers GetCallerIdentity but AssumeRole is failing". Bounded; time from <see cref="TimeProvider"/>.
/// </summary>
internal sealed class StsCallWindow(IOptions<TenantIsolationOptions> options, TimeProvider time)
{
    private const int Capacity = 1024;
    private readonly Queue<(long Ticks, bool Succeeded)> _calls = new();
    private readonly Lock _lock = new();
    private readonly long _windowTicks = options.Value.Sts.HealthWindow.Ticks;

    public TimeSpan Window => TimeSpan.FromTicks(_windowTicks);

    public void Record(bool succeeded)
    {
        var now = time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            Prune(now);
            if (_calls.Count == Capacity)
            {
                _calls.Dequeue();
            }

            _calls.Enqueue((now, succeeded));
        }
    }

    public (int Calls, int Failures) Snapshot()
    {
        var now = time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            Prune(now);
            var failures = 0;
            foreach (var call in _calls)
            {
                if (!call.Succeeded)
                {
                    failures++;
                }
            }

            return (_calls.Count, failures);
        }
    }

    private void Prune(long now)
    {
        while (_calls.Count > 0 && now - _calls.Peek().Ticks > _windowTicks)
        {
            _calls.Dequeue();
        }
    }
}
