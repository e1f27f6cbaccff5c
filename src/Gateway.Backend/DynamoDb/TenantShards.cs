using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2.Model;
using Gateway.Envelopes;

namespace Gateway.Backend.DynamoDb;

/// <summary>
/// The shard function of a sharded organization, language-neutral (docs/backend.md shows it in Python and Node):
/// <c>shard(sortKey) = uint32_be(SHA-256(canonical bytes of the sort key)[0..4]) &amp; (shards − 1)</c>, and the
/// partition-key value of shard k is <c>{organizationId}#{k}</c> (just <c>{organizationId}</c> when the organization
/// has one shard). Canonical bytes: S = the UTF-8 bytes of the string; B = the raw bytes; N = the ASCII bytes of the
/// number in canonical form (<see cref="IsCanonicalNumber"/>; any other spelling is refused, because DynamoDB treats
/// <c>1</c>, <c>1.0</c> and <c>1e0</c> as the same key and a hash over the spelling would not). The one place both the
/// backend library and resharding compute shards.
/// </summary>
public static class TenantShards
{
    /// <summary>The most shards an organization can have.</summary>
    public const int MaxShards = TenantEnvelope.MaxShards;

    /// <summary>Separates the organization id from the shard number; outside the organization-id alphabet.</summary>
    public const char Separator = '#';

    /// <summary>True when <paramref name="shards"/> is 1 or a power of two up to <see cref="MaxShards"/>.</summary>
    public static bool IsValidShardCount(int shards) => TenantEnvelope.IsValidShardCount(shards);

    /// <summary>The shard (0 … <paramref name="shards"/> − 1) of an item with this sort-key value.</summary>
    /// <exception cref="ArgumentException">Not an S, N or B value, or a number not in canonical form.</exception>
    public static int ShardOf(AttributeValue sortKey, int shards)
    {
        ArgumentNullException.ThrowIfNull(sortKey);
        RequireShardCount(shards);
        return shards == 1 ? 0 : ShardOf(CanonicalBytes(sortKey), shards);
    }

    /// <summary>The shard of already-canonical sort-key bytes (see the class summary).</summary>
    public static int ShardOf(ReadOnlySpan<byte> canonicalBytes, int shards)
    {
        RequireShardCount(shards);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonicalBytes, hash);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) & (uint)(shards - 1));
    }

    /// <summary>The bytes the shard function hashes for a sort-key value (S: UTF-8, N: canonical ASCII, B: raw).</summary>
    /// <exception cref="ArgumentException">Not an S, N or B value, or a number not in canonical form.</exception>
    public static byte[] CanonicalBytes(AttributeValue sortKey)
    {
        ArgumentNullException.ThrowIfNull(sortKey);
        if (sortKey.S is { } s)
        {
            return Encoding.UTF8.GetBytes(s);
        }

        if (sortKey.N is { } n)
        {
            if (!IsCanonicalNumber(n))
            {
                throw new ArgumentException(
                    $"The number sort key '{n}' is not in canonical form (plain decimal, no exponent, no '+', no leading zeros, no trailing fractional zeros, no '-0'), so its shard would depend on how it was spelt; write it as '{Canonicalize(n)}'.",
                    nameof(sortKey));
            }

            return Encoding.ASCII.GetBytes(n);
        }

        if (sortKey.B is { } b)
        {
            return b.ToArray();
        }

        throw new ArgumentException("A sort key must be a string (S), number (N) or binary (B) value.", nameof(sortKey));
    }

    /// <summary>
    /// True for the canonical spelling of a number: <c>-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?</c>, not <c>-0</c>
    /// (e.g. <c>42</c>, <c>-7.25</c>, <c>0.5</c>; not <c>042</c>, <c>1.50</c>, <c>1e3</c>, <c>+1</c>, <c>-0</c>, <c>.5</c>).
    /// </summary>
    public static bool IsCanonicalNumber(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var span = value.AsSpan();
        var negative = span.StartsWith("-");
        if (negative)
        {
            span = span[1..];
        }

        var dot = span.IndexOf('.');
        var integer = dot < 0 ? span : span[..dot];
        if (integer.IsEmpty || integer.ContainsAnyExceptInRange('0', '9') || (integer.Length > 1 && integer[0] == '0'))
        {
            return false;
        }

        if (dot >= 0)
        {
            var fraction = span[(dot + 1)..];
            if (fraction.IsEmpty || fraction.ContainsAnyExceptInRange('0', '9') || fraction[^1] == '0')
            {
                return false;
            }

            return true;
        }

        return !(negative && integer is "0");
    }

    /// <summary>The partition-key value of shard <paramref name="shard"/>: <c>{org}</c> with one shard, else <c>{org}#{shard}</c>.</summary>
    public static string PartitionKey(string organizationId, int shard, int shards)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        RequireShardCount(shards);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        return shards == 1 ? organizationId : string.Create(CultureInfo.InvariantCulture, $"{organizationId}{Separator}{shard}");
    }

    /// <summary>Every partition-key value of the organization, shard 0 first.</summary>
    public static IReadOnlyList<string> PartitionKeys(string organizationId, int shards)
    {
        RequireShardCount(shards);
        var keys = new string[shards];
        for (var k = 0; k < shards; k++)
        {
            keys[k] = PartitionKey(organizationId, k, shards);
        }

        return keys;
    }

    private static void RequireShardCount(int shards)
    {
        if (!IsValidShardCount(shards))
        {
            throw new ArgumentOutOfRangeException(nameof(shards), shards, $"A shard count is 1 or a power of two up to {MaxShards}.");
        }
    }

    private static string Canonicalize(string n) =>
        decimal.TryParse(n, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? (d == 0 ? "0" : d.ToString("0.############################", CultureInfo.InvariantCulture))
            : "a plain decimal";
}
