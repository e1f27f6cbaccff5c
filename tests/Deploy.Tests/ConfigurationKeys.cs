using System.Collections;
using System.Reflection;

namespace Deploy.Tests;

/// <summary>
/// Does a configuration key (<c>A:B:C</c>, or an environment variable name with <c>__</c>) reach a property the
/// application binds? Walks the options types the way <c>ConfigurationBinder</c> does: public properties by
/// case-insensitive name, dictionaries by any key, lists by index, scalars end the path. .NET ignores unknown keys
/// silently, so a misspelled variable would otherwise leave a setting at its default without a word.
/// </summary>
internal sealed class ConfigurationKeys
{
    private readonly List<(string[] Prefix, Type? Type)> _sections = [];

    /// <summary>Keys under <paramref name="section"/> bind to <paramref name="type"/>; null: any key (free-form, e.g. Logging).</summary>
    public ConfigurationKeys Section(string section, Type? type)
    {
        _sections.Add((section.Split(':'), type));
        return this;
    }

    public static string ToKey(string environmentVariable) => environmentVariable.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>Null when the key binds; otherwise why not.</summary>
    public string? Explain(string key)
    {
        var segments = key.Split(':');
        var match = _sections
            .Where(s => s.Prefix.Length <= segments.Length && s.Prefix.Select((p, i) => string.Equals(p, segments[i], StringComparison.OrdinalIgnoreCase)).All(b => b))
            .OrderByDescending(s => s.Prefix.Length)
            .FirstOrDefault();
        if (match.Prefix is null)
        {
            return $"{key}: no options section of the application starts this key";
        }

        return match.Type is null ? null : Walk(match.Type, segments, match.Prefix.Length, key);
    }

    private static string? Walk(Type type, string[] segments, int index, string key)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (index == segments.Length)
        {
            return null;
        }

        if (IsScalar(type))
        {
            return $"{key}: '{string.Join(':', segments[..index])}' is a {type.Name} value, '{segments[index]}' cannot be below it";
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return Walk(valueType, segments, index + 1, key);
        }

        if (ElementType(type) is { } elementType)
        {
            return int.TryParse(segments[index], out _)
                ? Walk(elementType, segments, index + 1, key)
                : $"{key}: '{segments[index]}' is not an index of the list at '{string.Join(':', segments[..index])}'";
        }

        var property = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .SingleOrDefault(p => string.Equals(p.Name, segments[index], StringComparison.OrdinalIgnoreCase) && p.GetIndexParameters().Length == 0);
        if (property is null)
        {
            return $"{key}: {type.Name} has no property '{segments[index]}'";
        }

        if (property.SetMethod is not { IsPublic: true } && IsScalar(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType))
        {
            return $"{key}: {type.Name}.{property.Name} is read-only";
        }

        return Walk(property.PropertyType, segments, index + 1, key);
    }

    private static bool IsScalar(Type type)
        => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Uri) || type == typeof(Guid)
            || type == typeof(Version) || type == typeof(System.Net.IPAddress);

    private static Type? DictionaryValueType(Type type)
    {
        foreach (var candidate in type.GetInterfaces().Append(type).Where(t => t.IsGenericType))
        {
            var definition = candidate.GetGenericTypeDefinition();
            if ((definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)) && candidate.GenericTypeArguments[0] == typeof(string))
            {
                return candidate.GenericTypeArguments[1];
            }
        }

        return null;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type) && !(type.IsInterface && type.IsGenericType))
        {
            return null;
        }

        return type.GetInterfaces().Append(type)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            .Select(t => t.GenericTypeArguments[0])
            .FirstOrDefault();
    }
}
