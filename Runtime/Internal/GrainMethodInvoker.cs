using Arbitrage.Orleans.Runtime.Filters;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using Arbitrage.Orleans.Runtime.Storage;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>
/// Calls one grain interface method on a grain class: a compiled delegate (no reflection per call), the method's
/// interleaving attributes, the checks its arguments need at the call site and its call statistics.
/// </summary>
internal abstract class GrainMethodInvoker
{
    private readonly Func<object, object?[], Task> _call;
    private readonly (int Index, string Name)[] _polymorphicParameters;
    private readonly SerializationRules _rules;
    private readonly ParameterInfo[] _parameters;

    protected GrainMethodInvoker(GrainClassInfo grainClass, MethodInfo interfaceMethod, MethodInfo? implementation, SerializationRules rules, bool returnsValue)
    {
        GrainClass = grainClass;
        InterfaceMethod = interfaceMethod;
        Name = $"{interfaceMethod.DeclaringType!.Name}.{interfaceMethod.Name}";
        AlwaysInterleave = HasAttribute<AlwaysInterleaveAttribute>(interfaceMethod, implementation);
        IsReadOnly = HasAttribute<ReadOnlyAttribute>(interfaceMethod, implementation);
        ReturnsValue = returnsValue;
        Statistics = new MethodStatistics(grainClass.GrainType, Name);
        Signature = SignatureOf(interfaceMethod);
        _rules = rules;
        _call = Compile(interfaceMethod);
        _parameters = interfaceMethod.GetParameters();
        _polymorphicParameters = _parameters
            .Where(p => SerializationRules.IsPolymorphic(p.ParameterType))
            .Select(p => (p.Position, p.Name ?? $"#{p.Position}"))
            .ToArray();
    }

    public GrainClassInfo GrainClass { get; }
    public MethodInfo InterfaceMethod { get; }
    public string Name { get; }
    public bool AlwaysInterleave { get; }
    public bool IsReadOnly { get; }
    public bool ReturnsValue { get; }
    public MethodStatistics Statistics { get; }

    /// <summary>Creates the request for a call and the object the proxy returns to the caller (a Task or ValueTask).</summary>
    public abstract (CallRequest Request, object ProxyResult) CreateCall(GrainId target, int partition, object?[] arguments, long startTimestamp, CallTracker tracker);

    /// <summary>Identifies the method across silos: interface, name and parameter types.</summary>
    public string Signature { get; }

    public JsonElement[] SerializeArguments(object?[] arguments)
    {
        if (arguments.Length == 0) return [];
        var parameters = _parameters;
        var elements = new JsonElement[arguments.Length];
        for (int i = 0; i < arguments.Length; i++)
        {
            var type = arguments[i]?.GetType() ?? parameters[i].ParameterType;
            elements[i] = JsonSerializer.SerializeToElement(arguments[i], SerializationRules.IsPolymorphic(parameters[i].ParameterType) ? type : parameters[i].ParameterType, GrainStateSerializer.Options);
        }

        return elements;
    }

    public object?[] DeserializeArguments(JsonElement[] elements)
    {
        var parameters = _parameters;
        if (elements.Length != parameters.Length)
        {
            throw new ArgumentException($"{Name} takes {parameters.Length} arguments; {elements.Length} were sent.");
        }

        var arguments = new object?[elements.Length];
        for (int i = 0; i < elements.Length; i++)
        {
            arguments[i] = elements[i].Deserialize(parameters[i].ParameterType, GrainStateSerializer.Options);
        }

        return arguments;
    }

    /// <summary>The JSON of a completed call's result (null for methods without one).</summary>
    public JsonElement? SerializeResult(Task completed) =>
        ReturnsValue ? JsonSerializer.SerializeToElement(GetResult(completed), ResultType!, GrainStateSerializer.Options) : null;

    private Type? ResultType => ReturnShapes.ResultType(InterfaceMethod.ReturnType);

    /// <summary>Fails at the call site when an argument's run-time type cannot cross a silo boundary.</summary>
    public void CheckArguments(object?[] arguments)
    {
        foreach (var (index, name) in _polymorphicParameters)
        {
            if (arguments[index] is { } value && _rules.Check(value.GetType()) is { } problem)
            {
                throw new ArgumentException(
                    $"Argument '{name}' of {Name} cannot be serialized: {problem}. Grain arguments must be plain serializable values such as records.",
                    name);
            }
        }
    }

    /// <summary>Calls the method through the incoming call filters, if any; a returned Task&lt;T&gt; carries the result.</summary>
    public Task Invoke(Grain grain, object?[] arguments, GrainId target)
    {
        var filters = GrainClass.Runtime.Filters;
        return filters.Length == 0 ? _call(grain, arguments) : InvokeFiltered(filters, grain, arguments, target);
    }

    /// <summary>Calls the grain method directly, without filters.</summary>
    public Task InvokeDirect(object grain, object?[] arguments) => _call(grain, arguments);

    /// <summary>The result of a completed task returned by this method.</summary>
    public abstract object? GetResult(Task completed);

    protected abstract Task InvokeFiltered(IIncomingGrainCallFilter[] filters, Grain grain, object?[] arguments, GrainId target);

    public static string SignatureOf(MethodInfo method) =>
        $"{method.DeclaringType!.FullName}.{method.Name}({string.Join(",", method.GetParameters().Select(p => p.ParameterType.FullName))})";

    private static bool HasAttribute<T>(MethodInfo interfaceMethod, MethodInfo? implementation) where T : Attribute =>
        interfaceMethod.IsDefined(typeof(T), true) || (implementation?.IsDefined(typeof(T), true) ?? false);

    private static Func<object, object?[], Task> Compile(MethodInfo method)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters()
            .Select(p => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(p.Position)), p.ParameterType));
        Expression call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, parameters);
        if (call.Type == typeof(ValueTask) || (call.Type.IsGenericType && call.Type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            call = Expression.Call(call, call.Type.GetMethod(nameof(ValueTask.AsTask))!);
        }

        return Expression.Lambda<Func<object, object?[], Task>>(Expression.Convert(call, typeof(Task)), grain, args).Compile();
    }
}

/// <summary>Invoker of a method whose result (or <c>object?</c> for none) is <typeparamref name="TResult"/>.</summary>
internal sealed class GrainMethodInvoker<TResult>(GrainClassInfo grainClass, MethodInfo interfaceMethod, MethodInfo? implementation, SerializationRules rules, bool returnsValue)
    : GrainMethodInvoker(grainClass, interfaceMethod, implementation, rules, returnsValue)
{
    private readonly ReturnShape _shape = ReturnShapes.Of(interfaceMethod.ReturnType);

    public override (CallRequest Request, object ProxyResult) CreateCall(GrainId target, int partition, object?[] arguments, long startTimestamp, CallTracker tracker)
    {
        var request = new CallRequest<TResult>(this, target, partition, arguments, startTimestamp, tracker);
        object result = _shape switch
        {
            ReturnShape.ValueTask => new ValueTask(request.Task),
            ReturnShape.ValueTaskOfT => new ValueTask<TResult>(request.Task),
            _ => request.Task,
        };
        return (request, result);
    }

    public override object? GetResult(Task completed) => ReturnsValue ? ((Task<TResult>)completed).Result : null;

    protected override Task InvokeFiltered(IIncomingGrainCallFilter[] filters, Grain grain, object?[] arguments, GrainId target)
    {
        var context = new IncomingGrainCallContext(filters, this, grain, target, arguments);
        return ReturnsValue ? WithResult(context) : context.Invoke();

        static async Task<TResult> WithResult(IncomingGrainCallContext context)
        {
            await context.Invoke();
            return (TResult)context.Result!;
        }
    }
}

internal enum ReturnShape { Task, TaskOfT, ValueTask, ValueTaskOfT }

internal static class ReturnShapes
{
    public static ReturnShape Of(Type returnType)
    {
        if (returnType == typeof(Task)) return ReturnShape.Task;
        if (returnType == typeof(ValueTask)) return ReturnShape.ValueTask;
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>)) return ReturnShape.TaskOfT;
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)) return ReturnShape.ValueTaskOfT;
        throw new ArgumentException($"returns {returnType.Name}; grain methods must return Task, Task<T>, ValueTask or ValueTask<T>");
    }

    public static Type? ResultType(Type returnType) => Of(returnType) is ReturnShape.TaskOfT or ReturnShape.ValueTaskOfT ? returnType.GetGenericArguments()[0] : null;
}
