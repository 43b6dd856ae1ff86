using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>Everything the runtime knows about one grain class: its grain type, how to construct it, its invokers.</summary>
internal sealed class GrainClassInfo
{
    private readonly ConstructorInfo _constructor;
    private readonly Func<Activation, object?>[] _parameterSources;
    private int _activations;

    public GrainClassInfo(Type classType, GrainRuntime runtime, SerializationRules rules)
    {
        ClassType = classType;
        Runtime = runtime;
        GrainType = classType.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? classType.Name;
        IsReentrant = classType.IsDefined(typeof(ReentrantAttribute), false);

        var constructors = classType.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        _constructor = constructors.Length == 1
            ? constructors[0]
            : throw new InvalidOperationException($"Grain class {classType.Name} must have exactly one public constructor (it has {constructors.Length}).");
        _parameterSources = _constructor.GetParameters().Select(p => ParameterSource(p, runtime.Services)).ToArray();
        StateCount = _constructor.GetParameters().Count(p => p.IsDefined(typeof(PersistentStateAttribute)));

        var invokers = new Dictionary<MethodInfo, GrainMethodInvoker>();
        foreach (var grainInterface in GrainInterfaces(classType))
        {
            IsReentrant |= grainInterface.IsDefined(typeof(ReentrantAttribute), false);
            var map = classType.GetInterfaceMap(grainInterface);
            for (int i = 0; i < map.InterfaceMethods.Length; i++)
            {
                invokers[map.InterfaceMethods[i]] = CreateInvoker(map.InterfaceMethods[i], map.TargetMethods[i], rules);
            }
        }

        Invokers = invokers;
        InvokersBySignature = invokers.Values.ToDictionary(i => i.Signature, StringComparer.Ordinal);
        ReminderInvoker = typeof(IRemindable).IsAssignableFrom(classType)
            ? invokers[typeof(IRemindable).GetMethod(nameof(IRemindable.ReceiveReminder))!]
            : null;
    }

    public Type ClassType { get; }
    public GrainRuntime Runtime { get; }
    public string GrainType { get; }
    public bool IsReentrant { get; }
    public int StateCount { get; }
    public IReadOnlyDictionary<MethodInfo, GrainMethodInvoker> Invokers { get; }
    public IReadOnlyDictionary<string, GrainMethodInvoker> InvokersBySignature { get; }
    public GrainMethodInvoker? ReminderInvoker { get; }
    public int ActivationCount => Volatile.Read(ref _activations);

    /// <summary>The grain interfaces (extending <see cref="IGrain"/>) a class implements.</summary>
    public static IEnumerable<Type> GrainInterfaces(Type classType) =>
        classType.GetInterfaces().Where(i => typeof(IGrain).IsAssignableFrom(i) && i != typeof(IGrain) && i != typeof(IGrainWithStringKey));

    public Grain CreateInstance(Activation activation)
    {
        var arguments = new object?[_parameterSources.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = _parameterSources[i](activation);
        }

        var grain = (Grain)_constructor.Invoke(arguments);
        grain.Bind(activation);
        return grain;
    }

    public void OnActivated() => Interlocked.Increment(ref _activations);

    public void OnDeactivated() => Interlocked.Decrement(ref _activations);

    private Func<Activation, object?> ParameterSource(ParameterInfo parameter, IServiceProvider services)
    {
        if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } stateAttribute)
        {
            var stateType = parameter.ParameterType.IsGenericType
                            && parameter.ParameterType.GetGenericTypeDefinition() is var definition
                            && (definition == typeof(IPersistentState<>) || definition == typeof(IJournaledPersistentState<>))
                ? parameter.ParameterType.GetGenericArguments()[0]
                : throw new InvalidOperationException($"{ClassType.Name} parameter '{parameter.Name}' has [PersistentState] but is not an IPersistentState<T> or IJournaledPersistentState<T>.");
            if (parameter.ParameterType.GetGenericTypeDefinition() == typeof(IJournaledPersistentState<>)
                && services.GetKeyedService<IGrainStorage>(stateAttribute.StorageName) is { } store && store is not IGrainJournalStorage)
            {
                throw new InvalidOperationException($"{ClassType.Name} parameter '{parameter.Name}' needs a journal, which grain storage '{stateAttribute.StorageName}' does not keep.");
            }

            if (!stateType.IsValueType && stateType.GetConstructor(Type.EmptyTypes) is null)
            {
                throw new InvalidOperationException($"{ClassType.Name} state '{stateAttribute.StateName}' of type {stateType.Name} needs a public parameterless constructor for its initial value.");
            }

            var storage = services.GetKeyedService<IGrainStorage>(stateAttribute.StorageName)
                ?? throw new InvalidOperationException(
                    $"{ClassType.Name} parameter '{parameter.Name}' uses grain storage '{stateAttribute.StorageName}', which is not registered. Add it with AddMemoryGrainStorage or AddPostgresGrainStorage.");
            var factory = typeof(GrainClassInfo).GetMethod(nameof(StateSource), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(stateType);
            return (Func<Activation, object?>)factory.Invoke(null, [stateAttribute.StateName, storage])!;
        }

        var type = parameter.ParameterType;
        if (services.GetService<IServiceProviderIsService>() is { } isService && !isService.IsService(type) && !parameter.HasDefaultValue)
        {
            throw new InvalidOperationException($"{ClassType.Name} constructor parameter '{parameter.Name}' of type {type.Name} is not a registered service.");
        }

        object? defaultValue = parameter.HasDefaultValue ? parameter.DefaultValue : null;
        return _ => services.GetService(type) ?? defaultValue;
    }

    private static Func<Activation, object?> StateSource<TState>(string stateName, IGrainStorage storage) =>
        activation => activation.AddState(new PersistentState<TState>(stateName, storage, activation));

    private GrainMethodInvoker CreateInvoker(MethodInfo interfaceMethod, MethodInfo implementation, SerializationRules rules)
    {
        string where = $"{interfaceMethod.DeclaringType!.Name}.{interfaceMethod.Name}";
        Type? resultType;
        try
        {
            resultType = ReturnShapes.ResultType(interfaceMethod.ReturnType);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Grain method {where} {e.Message}.");
        }

        foreach (var parameter in interfaceMethod.GetParameters())
        {
            if (rules.Check(parameter.ParameterType) is { } problem)
            {
                throw new InvalidOperationException($"Grain method {where} parameter '{parameter.Name}' cannot be serialized: {problem}.");
            }
        }

        if (resultType is not null && rules.Check(resultType) is { } resultProblem)
        {
            throw new InvalidOperationException($"Grain method {where} result cannot be serialized: {resultProblem}.");
        }

        var invokerType = typeof(GrainMethodInvoker<>).MakeGenericType(resultType ?? typeof(object));
        return (GrainMethodInvoker)Activator.CreateInstance(invokerType, this, interfaceMethod, implementation, rules, resultType is not null)!;
    }
}
