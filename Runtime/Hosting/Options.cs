using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Runtime;

/// <summary>Settings of the grain runtime (configuration section <c>Runtime</c>).</summary>
public sealed class GrainRuntimeOptions
{
    public const string SectionName = "Runtime";

    /// <summary>How long a caller waits for a grain call before a <see cref="TimeoutException"/>.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An activation with no call for this long is deactivated.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long <c>OnDeactivateAsync</c> may take before its token is cancelled.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful shutdown waits for activations to deactivate.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Settings of durable reminders (configuration section <c>Reminders</c>).</summary>
public sealed class ReminderOptions
{
    public const string SectionName = "Reminders";

    /// <summary>The shortest period a reminder may have.</summary>
    public TimeSpan MinimumPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

internal sealed class GrainRuntimeOptionsValidator : IValidateOptions<GrainRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, GrainRuntimeOptions options)
    {
        var failures = new List<string>();
        Positive(failures, nameof(options.ResponseTimeout), options.ResponseTimeout);
        Positive(failures, nameof(options.CollectionAge), options.CollectionAge);
        Positive(failures, nameof(options.CollectionQuantum), options.CollectionQuantum);
        Positive(failures, nameof(options.DeactivationTimeout), options.DeactivationTimeout);
        Positive(failures, nameof(options.ShutdownTimeout), options.ShutdownTimeout);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static void Positive(List<string> failures, string setting, TimeSpan value, string section = GrainRuntimeOptions.SectionName)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{section}:{setting} must be a positive time span such as 00:00:30 (was {value}).");
        }
    }
}

internal sealed class ReminderOptionsValidator : IValidateOptions<ReminderOptions>
{
    public ValidateOptionsResult Validate(string? name, ReminderOptions options)
    {
        var failures = new List<string>();
        GrainRuntimeOptionsValidator.Positive(failures, nameof(options.MinimumPeriod), options.MinimumPeriod, ReminderOptions.SectionName);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
