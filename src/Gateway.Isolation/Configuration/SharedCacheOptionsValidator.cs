using System.Text.RegularExpressions;

namespace Gateway.Isolation.Configuration;

/// <summary>The <c>TenantIsolation:SharedCache</c> section (<see cref="SharedCacheOptions"/>); with Redis set, a sealing key is mandatory.</summary>
internal static partial class SharedCacheOptionsValidator
{
    public static void Validate(SharedCacheOptions shared, string section, List<string> errors)
    {
        if (!PrefixPattern().IsMatch(shared.KeyPrefix ?? string.Empty))
        {
            errors.Add($"{section}:KeyPrefix must be 1-64 characters of [A-Za-z0-9:._-].");
        }

        Positive(shared.OperationTimeout, $"{section}:OperationTimeout", errors);
        Positive(shared.BreakDuration, $"{section}:BreakDuration", errors);
        Positive(shared.LockWait, $"{section}:LockWait", errors);
        Positive(shared.LockLease, $"{section}:LockLease", errors);
        Positive(shared.EvictTimeout, $"{section}:EvictTimeout", errors);
        foreach (var (id, material) in shared.Sealing.Keys)
        {
            if (!KeyIdPattern().IsMatch(id))
            {
                errors.Add($"{section}:Sealing:Keys:{id} has an invalid key id (1-32 characters of [A-Za-z0-9._-]).");
            }
            else if (!IsAes256Key(material))
            {
                errors.Add($"{section}:Sealing:Keys:{id} must be 32 bytes, base64-encoded.");
            }
        }

        if (!shared.Enabled)
        {
            return;
        }

        if (!IsRedisConfiguration(shared.Redis!))
        {
            errors.Add($"{section}:Redis is not a StackExchange.Redis configuration string (e.g. host:6379,password=…,ssl=true).");
        }

        if (string.IsNullOrEmpty(shared.Sealing.ActiveKeyId))
        {
            errors.Add($"{section}:Sealing:ActiveKeyId is required when {section}:Redis is set: credentials are sealed before they reach Redis.");
        }
        else if (!shared.Sealing.Keys.ContainsKey(shared.Sealing.ActiveKeyId))
        {
            errors.Add($"{section}:Sealing:ActiveKeyId '{shared.Sealing.ActiveKeyId}' names no key in {section}:Sealing:Keys.");
        }
    }

    private static bool IsRedisConfiguration(string value)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(value).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static bool IsAes256Key(string? material)
    {
        var buffer = new byte[32];
        return !string.IsNullOrEmpty(material) && Convert.TryFromBase64String(material, buffer, out var written) && written == 32;
    }

    private static void Positive(TimeSpan value, string key, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be positive.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9:._-]{1,64}$")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,32}$")]
    private static partial Regex KeyIdPattern();
}
