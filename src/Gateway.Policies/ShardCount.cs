using System.Globalization;

namespace Gateway.Policies;

/// <summary>
/// How many partition key values an organization's data is spread over: 1 (unsharded, the single key
/// <c>{organizationId}</c>) or a power of two up to <see cref="Max"/>, whose keys are <c>{organizationId}#{k}</c> for
/// k = 0…N−1. <c>default(ShardCount)</c> is 1 (an organization without a <c>shards</c> attribute); any other value that is
/// not a power of two in 1…64 cannot be constructed, so a consumer never guesses.
/// </summary>
/// <remarks>
/// <see cref="Separator"/> (<c>#</c>) is outside the <see cref="OrganizationId"/> alphabet <c>[A-Za-z0-9._-]</c>, so the
/// first <c>#</c> of a shard key ends its organization id: no organization's key equals, or starts with
/// <c>{id}#</c> of, another organization's key.
/// </remarks>
public readonly record struct ShardCount
{
    /// <summary>The largest shard count.</summary>
    public const int Max = 64;

    /// <summary>Separates the organization id from the shard number in a partition key value.</summary>
    public const char Separator = '#';

    /// <summary>log2 of the count, so that <c>default</c> is one shard.</summary>
    private readonly int _exponent;

    private ShardCount(int exponent) => _exponent = exponent;

    /// <summary>One shard: today's single partition key <c>{organizationId}</c>.</summary>
    public static ShardCount One => default;

    /// <summary>The number of shards, 1…64.</summary>
    public int Value => 1 << _exponent;

    /// <summary>More than one shard: the keys carry <c>#{k}</c>.</summary>
    public bool IsSharded => _exponent > 0;

    /// <summary>True for 1, 2, 4, 8, 16, 32 and 64.</summary>
    public static bool IsValid(long value) => value is >= 1 and <= Max && (value & (value - 1)) == 0;

    public static bool TryCreate(long value, out ShardCount shards)
    {
        if (!IsValid(value))
        {
            shards = default;
            return false;
        }

        shards = new ShardCount(System.Numerics.BitOperations.Log2((uint)value));
        return true;
    }

    /// <summary>Parses the decimal text of a DynamoDB number (<c>"8"</c>); anything else (<c>"8.0"</c>, <c>" 8"</c>, <c>"+8"</c>, <c>"3"</c>) is refused.</summary>
    public static bool TryParse(string? text, out ShardCount shards)
    {
        shards = default;
        if (string.IsNullOrEmpty(text) || text.Length > 2 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        return TryCreate(long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture), out shards);
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not a power of two in 1…64.</exception>
    public static ShardCount Create(long value)
        => TryCreate(value, out var shards) ? shards : throw new ArgumentOutOfRangeException(nameof(value), "A shard count must be a power of two from 1 to 64.");

    /// <summary>The partition key value of shard <paramref name="shard"/> (<c>{org}</c> when unsharded, else <c>{org}#{k}</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shard"/> is not in 0…N−1.</exception>
    public string PartitionKey(OrganizationId organizationId, int shard)
    {
        if (!organizationId.IsValid)
        {
            throw new ArgumentException("The organization id is not initialized.", nameof(organizationId));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Value);
        return IsSharded ? string.Create(CultureInfo.InvariantCulture, $"{organizationId.Value}{Separator}{shard}") : organizationId.Value;
    }

    /// <summary>Every partition key value of the organization: <c>{org}</c>, or <c>{org}#0</c>…<c>{org}#N−1</c>.</summary>
    public IReadOnlyList<string> PartitionKeys(OrganizationId organizationId)
    {
        var keys = new string[Value];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = PartitionKey(organizationId, k);
        }

        return keys;
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
