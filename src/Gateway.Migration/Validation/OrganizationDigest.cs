using System.Globalization;
using Amazon.DynamoDBv2.Model;
using Gateway.Migration.Items;

namespace Gateway.Migration.Validation;

/// <summary>
/// One organization's items on one side (legacy mapped to target form, or target): count, an order-independent content
/// hash (the sum of the items' SHA-256 prefixes, so order does not matter and a duplicate counts twice) and the hash per
/// target key, to name the items that differ.
/// </summary>
internal sealed class OrganizationDigest
{
    private readonly Dictionary<string, byte[]> _items = new(StringComparer.Ordinal);
    private readonly bool _keepItems;

    public OrganizationDigest()
        : this(keepItems: true)
    {
    }

    /// <param name="keepItems">False: count and sum only, no per-key hashes (a streamed export or erase of any size).</param>
    public OrganizationDigest(bool keepItems) => _keepItems = keepItems;

    public long Count { get; private set; }

    public UInt128 Sum { get; private set; }

    public string Hash => Sum.ToString("x32", CultureInfo.InvariantCulture);

    public IReadOnlyDictionary<string, byte[]> Items => _items;

    public void Add(string targetKey, Dictionary<string, AttributeValue> targetItem)
    {
        var hash = ItemCodec.Hash(targetItem);
        Count++;
        Sum += ItemCodec.Fold(hash);
        if (_keepItems)
        {
            _items[targetKey] = hash;
        }
    }

    /// <summary>Adds an item by its already computed <see cref="ItemCodec.Hash"/> (count and sum only).</summary>
    public void Add(byte[] itemHash)
    {
        ArgumentNullException.ThrowIfNull(itemHash);
        Count++;
        Sum += ItemCodec.Fold(itemHash);
    }

    /// <summary>Adds an item whose key is not needed (count and sum only).</summary>
    public void Add(Dictionary<string, AttributeValue> item) => Add(string.Empty, item);

    /// <summary>Adds another digest's count and sum (several tables or runs of one organization).</summary>
    public void Add(OrganizationDigest other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Count += other.Count;
        Sum += other.Sum;
    }

    /// <summary>A digest with a count and <see cref="Hash"/> read back from a file (no per-key hashes).</summary>
    /// <exception cref="FormatException">Not a hash this class wrote.</exception>
    public static OrganizationDigest FromTotals(long count, string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (count < 0 || hash.Length != 32 || !UInt128.TryParse(hash, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var sum))
        {
            throw new FormatException("a digest is a non-negative count and a 32-digit hex hash");
        }

        return new OrganizationDigest(keepItems: false) { Count = count, Sum = sum };
    }

    public bool SameAs(OrganizationDigest other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Count == other.Count && Sum == other.Sum;
    }

    /// <summary>How this (legacy) side differs from <paramref name="target"/>, by cause: keys missing in the target, keys only in the target, keys on both sides with different content.</summary>
    public (int MissingInTarget, int OnlyInTarget, int Changed) Compare(OrganizationDigest target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var missing = _items.Keys.Count(k => !target._items.ContainsKey(k));
        var only = target._items.Keys.Count(k => !_items.ContainsKey(k));
        var changed = _items.Count(i => target._items.TryGetValue(i.Key, out var t) && !i.Value.AsSpan().SequenceEqual(t));
        return (missing, only, changed);
    }

    /// <summary>Target keys missing on one side or with different content, sorted; at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<string> Differences(OrganizationDigest target, int limit)
    {
        ArgumentNullException.ThrowIfNull(target);
        return _items.Keys.Union(target._items.Keys, StringComparer.Ordinal)
            .Where(k => !_items.TryGetValue(k, out var a) || !target._items.TryGetValue(k, out var b) || !a.AsSpan().SequenceEqual(b))
            .Order(StringComparer.Ordinal)
            .Take(limit)
            .ToList();
    }
}
