using Arbitrage.Orleans.Runtime.Internal;

namespace Arbitrage.Orleans.Runtime;

/// <summary>
/// Base class of every grain. The runtime constructs it through dependency injection (with
/// <see cref="PersistentStateAttribute"/> parameters) and binds it to its activation before
/// <see cref="OnActivateAsync"/>; the key and the runtime services are not available in the constructor.
/// </summary>
public abstract class Grain : IAddressable
{
    private Activation? _activation;

    internal Activation Activation =>
        _activation ?? throw new InvalidOperationException(
            $"{GetType().Name} is not bound to an activation yet: use the grain's key and runtime services from OnActivateAsync on, not in its constructor.");

    internal void Bind(Activation activation) => _activation = activation;

    /// <summary>This grain's identity.</summary>
    public GrainId GrainId => Activation.Id;

    /// <summary>Creates references to other grains.</summary>
    protected IGrainFactory GrainFactory => Activation.Runtime.GrainFactory;

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation as soon as the current call completes; later calls go to a new activation.</summary>
    protected void DeactivateOnIdle() => Activation.DeactivateOnIdle();

    /// <summary>Registers a timer whose callbacks run as turns of this activation.</summary>
    protected IGrainTimer RegisterGrainTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(callback, state, options);
    }

    /// <inheritdoc cref="RegisterGrainTimer{TState}(Func{TState, CancellationToken, Task}, TState, GrainTimerCreationOptions)"/>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, GrainTimerCreationOptions options)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Activation.RegisterTimer(static (cb, ct) => cb(ct), callback, options);
    }

    /// <inheritdoc cref="RegisterGrainTimer{TState}(Func{TState, CancellationToken, Task}, TState, GrainTimerCreationOptions)"/>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        RegisterGrainTimer(callback, new GrainTimerCreationOptions(dueTime, period));

    /// <summary>Registers or updates a durable reminder; the grain must implement <see cref="IRemindable"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The period is below the configured minimum.</exception>
    protected Task<IGrainReminder> RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken = default) =>
        Activation.Runtime.Reminders.RegisterOrUpdateAsync(Activation, reminderName, dueTime, period, cancellationToken);

    protected Task UnregisterReminder(IGrainReminder reminder, CancellationToken cancellationToken = default) =>
        Activation.Runtime.Reminders.UnregisterAsync(Activation, reminder?.ReminderName ?? throw new ArgumentNullException(nameof(reminder)), cancellationToken);

    protected Task<IGrainReminder?> GetReminder(string reminderName, CancellationToken cancellationToken = default) =>
        Activation.Runtime.Reminders.GetAsync(GrainId, reminderName, cancellationToken);

    protected Task<IReadOnlyList<IGrainReminder>> GetReminders(CancellationToken cancellationToken = default) =>
        Activation.Runtime.Reminders.ListAsync(GrainId, cancellationToken);
}

public static class GrainExtensions
{
    /// <summary>The string key of a grain, from inside the grain or from a reference to it.</summary>
    public static string GetPrimaryKeyString(this IAddressable grain) => grain.GetGrainId().Key;

    /// <summary>The identity of a grain reference or grain instance.</summary>
    public static GrainId GetGrainId(this IAddressable grain) => grain switch
    {
        GrainReference reference => reference.GrainId,
        Grain instance => instance.GrainId,
        _ => throw new ArgumentException($"{grain.GetType().Name} is neither a grain reference nor a grain.", nameof(grain)),
    };
}
