using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>
/// Decides whether a type can travel as a grain argument or result: plain data (primitives, strings, enums,
/// collections and records of them). Delegates, streams, tasks, reflection objects and the like cannot.
/// Results are cached per type.
/// </summary>
internal sealed class SerializationRules
{
    private static readonly Type[] Forbidden =
    [
        typeof(Delegate), typeof(Stream), typeof(Task), typeof(MemberInfo), typeof(Type), typeof(IntPtr), typeof(UIntPtr),
        typeof(Thread), typeof(CancellationTokenSource), typeof(SynchronizationContext), typeof(WaitHandle),
        typeof(IServiceProvider), typeof(IDisposable), typeof(IAsyncDisposable), typeof(Grain),
    ];

    private readonly ConcurrentDictionary<Type, string?> _verdicts = new();

    /// <summary>Null when the type is serializable, else the reason it is not.</summary>
    public string? Check(Type type) => _verdicts.TryGetValue(type, out var verdict) ? verdict : _verdicts.GetOrAdd(type, Evaluate(type, []));

    /// <summary>Declared types whose run-time values must be checked at each call (object, interfaces, abstract classes).</summary>
    public static bool IsPolymorphic(Type type) =>
        !typeof(IGrain).IsAssignableFrom(type) && (type == typeof(object) || type.IsInterface || type.IsAbstract) && !IsCollection(type);

    private string? Evaluate(Type type, HashSet<Type> visiting)
    {
        if (type.IsPointer || type.IsByRef) return $"{type.Name} is a pointer or reference";
        if (typeof(IGrain).IsAssignableFrom(type)) return null;
        foreach (var forbidden in Forbidden)
        {
            if (forbidden.IsAssignableFrom(type)) return $"{Describe(type)} is a {forbidden.Name}, which is not data";
        }

        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(object)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid)
            || type == typeof(DateOnly) || type == typeof(TimeOnly) || type == typeof(Uri) || type == typeof(CancellationToken))
        {
            return null;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying) return Inner(underlying, visiting);
        if (type.IsArray) return Inner(type.GetElementType()!, visiting);
        if (IsCollection(type))
        {
            foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
            {
                if (Inner(argument, visiting) is { } problem) return problem;
            }

            return null;
        }

        if (type.IsInterface || type.IsAbstract) return null;
        if (!visiting.Add(type)) return null;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null) continue;
            if (Evaluate(property.PropertyType, visiting) is { } problem)
            {
                return $"{Describe(type)}.{property.Name}: {problem}";
            }
        }

        visiting.Remove(type);
        return null;
    }

    private string? Inner(Type type, HashSet<Type> visiting) =>
        visiting.Count == 0 ? Check(type) : Evaluate(type, visiting);

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static string Describe(Type type) => type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>" : type.Name;
}
