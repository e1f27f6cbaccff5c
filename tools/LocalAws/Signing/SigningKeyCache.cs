using System.Collections.Concurrent;

namespace LocalAws.Signing;

/// <summary>
/// SigV4 signing keys by (access key, date, region, service): the four-HMAC derivation runs once per key per day.
/// Bounded: cleared when it grows past <see cref="MaxEntries"/>. Keys are derived secrets and never logged.
/// </summary>
internal sealed class SigningKeyCache
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<(string AccessKeyId, string Date, string Region, string Service), byte[]> _keys = new();

    public byte[] Get(string accessKeyId, string secret, string date, string region, string service)
    {
        var cacheKey = (accessKeyId, date, region, service);
        if (_keys.TryGetValue(cacheKey, out var key))
        {
            return key;
        }

        if (_keys.Count >= MaxEntries)
        {
            _keys.Clear();
        }

        key = SigV4.SigningKey(secret, date, region, service);
        _keys[cacheKey] = key;
        return key;
    }
}
