namespace Arbitrage.Orleans.Clouds.Simulated;

/// <summary>How one simulated cloud behaves. Validated when the cloud is built; each error names the setting.</summary>
public sealed class SimulatedCloudOptions
{
    /// <summary>The product's default data directory, relative to the repository root.</summary>
    public const string DefaultDataDirectory = "data/market";

    /// <summary>Which cloud's catalog and behaviour to simulate.</summary>
    public CloudKind Cloud { get; set; } = CloudKind.Aws;

    /// <summary>Seeds instance IDs, addresses, capacity draws and interruption times: same seed and clock, same run.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Where in the price history simulated time starts (added to the history's start).</summary>
    public TimeSpan StartOffset { get; set; } = TimeSpan.Zero;

    /// <summary>Simulated time per real time: at 60, a real minute replays an hour of prices and interruptions.</summary>
    public double Speed { get; set; } = 60;

    /// <summary>How long an instance stays Pending before it is Running (real time).</summary>
    public TimeSpan BootDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long before termination an interruption notice comes (real time); null = the cloud's own (<see cref="DefaultNoticeLead"/>).</summary>
    public TimeSpan? NoticeLead { get; set; }

    /// <summary>The chance (0..1) that a launch fails with InsufficientCapacity although the market has capacity.</summary>
    public double CapacityErrorProbability { get; set; }

    /// <summary>Whether spot instances are interrupted at their market's rate (test hooks interrupt regardless).</summary>
    public bool InterruptionsEnabled { get; set; } = true;

    /// <summary>
    /// Multiplies every market's interruption hazard (1 = the rate the data gives). The trace-derived Azure/GCP
    /// hazards are high (about one preemption per 2 hours up); lower this to make a demo's spot instances live longer.
    /// </summary>
    public double InterruptionHazardScale { get; set; } = 1;

    /// <summary>Most instances alive (not terminated nor noticed) at once; more launches fail with InsufficientCapacity.</summary>
    public int MaxInstances { get; set; } = 10_000;

    /// <summary>Most interruption notices a watcher may leave unread; past it the oldest are dropped (as a cloud's event stream would).</summary>
    public int NoticeBuffer { get; set; } = 10_000;

    /// <summary>
    /// Mixed into every instance ID (0: none). Clouds sharing a seed on several silos of a cluster each take a random
    /// salt so that their instance IDs do not collide; the same salt, seed and clock still give the same IDs.
    /// </summary>
    public long InstanceIdSalt { get; set; }

    /// <summary>The market data directory (see <see cref="DefaultDataDirectory"/>); used by whoever loads the shared data set.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>The notice lead in force: <see cref="NoticeLead"/> or the cloud's own.</summary>
    public TimeSpan EffectiveNoticeLead => NoticeLead ?? DefaultNoticeLead(Cloud);

    /// <summary>AWS gives two minutes' notice; Azure (Scheduled Events) and GCP (preemption) about 30 seconds.</summary>
    public static TimeSpan DefaultNoticeLead(CloudKind cloud) => cloud == CloudKind.Aws ? TimeSpan.FromMinutes(2) : TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Cloud)) throw Invalid(nameof(Cloud), $"{Cloud} is not a cloud");
        if (!(Speed > 0) || double.IsInfinity(Speed)) throw Invalid(nameof(Speed), $"must be a positive number, not {Speed}");
        if (StartOffset < TimeSpan.Zero) throw Invalid(nameof(StartOffset), $"must not be negative, not {StartOffset}");
        if (BootDelay < TimeSpan.Zero) throw Invalid(nameof(BootDelay), $"must not be negative, not {BootDelay}");
        if (NoticeLead is { } lead && lead < TimeSpan.Zero) throw Invalid(nameof(NoticeLead), $"must not be negative, not {lead}");
        if (!(CapacityErrorProbability is >= 0 and <= 1)) throw Invalid(nameof(CapacityErrorProbability), $"must be between 0 and 1, not {CapacityErrorProbability}");
        if (!(InterruptionHazardScale >= 0) || double.IsInfinity(InterruptionHazardScale)) throw Invalid(nameof(InterruptionHazardScale), $"must be a non-negative number, not {InterruptionHazardScale}");
        if (MaxInstances <= 0) throw Invalid(nameof(MaxInstances), $"must be positive, not {MaxInstances}");
        if (NoticeBuffer <= 0) throw Invalid(nameof(NoticeBuffer), $"must be positive, not {NoticeBuffer}");
    }

    private static ArgumentException Invalid(string setting, string problem) =>
        new($"SimulatedCloudOptions.{setting} {problem}.", setting);
}
