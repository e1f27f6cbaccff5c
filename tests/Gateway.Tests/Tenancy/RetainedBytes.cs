using System.Reflection;
using System.Runtime.CompilerServices;

namespace Gateway.Tests.Tenancy;

/// <summary>
/// Bytes strongly reachable from some roots, walked through instance fields (weak references are not followed: a
/// <see cref="WeakReference{T}"/> holds a handle, not a field to its target). Object size: a 16-byte header plus 8 bytes per
/// reference field and the fields' sizes; arrays and strings their header plus length × element size. An estimate of the
/// managed heap's layout (padding aside), deterministic — for comparing what a cache retains before and after a change.
/// </summary>
internal static class RetainedBytes
{
    public static long Of(params object[] roots)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>(roots);
        long total = 0;
        while (pending.Count > 0)
        {
            var item = pending.Pop();
            if (item is Type or Pointer or Delegate or MemberInfo || !seen.Add(item))
            {
                continue;
            }

            total += Visit(item, pending);
        }

        return total;
    }

    private static long Visit(object item, Stack<object> pending)
    {
        var type = item.GetType();
        if (item is string text)
        {
            return 22 + (2L * text.Length);
        }

        if (item is Array array)
        {
            var element = type.GetElementType()!;
            if (!element.IsValueType)
            {
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        pending.Push(child);
                    }
                }

                return 24 + (8L * array.Length);
            }

            if (!element.IsPrimitive && !element.IsEnum)
            {
                foreach (var boxed in array)
                {
                    PushReferences(boxed, element, pending); // e.g. a ConcurrentDictionary's bucket structs
                }
            }

            return 24 + ((long)array.Length * RuntimeHelpers.SizeOf(element.TypeHandle));
        }

        long size = 16;
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsValueType)
                {
                    size += RuntimeHelpers.SizeOf(field.FieldType.TypeHandle);
                    if (!field.FieldType.IsPrimitive && !field.FieldType.IsEnum)
                    {
                        // A struct's reference fields (e.g. a record struct key's strings) are reachable too.
                        PushReferences(field.GetValue(item), field.FieldType, pending);
                    }
                }
                else
                {
                    size += 8;
                    if (field.GetValue(item) is { } child)
                    {
                        pending.Push(child);
                    }
                }
            }
        }

        return size;
    }

    private static void PushReferences(object? boxed, Type structType, Stack<object> pending)
    {
        if (boxed is null)
        {
            return;
        }

        foreach (var field in structType.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (!field.FieldType.IsValueType)
            {
                if (field.GetValue(boxed) is { } child)
                {
                    pending.Push(child);
                }
            }
            else if (!field.FieldType.IsPrimitive && !field.FieldType.IsEnum)
            {
                PushReferences(field.GetValue(boxed), field.FieldType, pending);
            }
        }
    }
}
