namespace Arbitrage.Orleans.Clouds.Simulated;

/// <summary>
/// One simulated instance. Mutable, guarded by its cloud's lock. Its state follows from the clock: Pending until
/// <see cref="RunningAt"/>, Running until <see cref="TerminationAt"/>, then Terminated.
/// </summary>
internal sealed class SimulatedInstance(
    string instanceId, int offerIndex, InstanceTypeOffer offer, LaunchRequest request, decimal price, string address, DateTimeOffset launchedAt, TimeSpan bootDelay)
{
    public string InstanceId { get; } = instanceId;
    public int OfferIndex { get; } = offerIndex;
    public InstanceTypeOffer Offer { get; } = offer;
    public LaunchRequest Request { get; } = request;
    public decimal Price { get; } = price;
    public string Address { get; } = address;
    public DateTimeOffset LaunchedAt { get; } = launchedAt;
    public DateTimeOffset RunningAt { get; } = launchedAt + bootDelay;

    /// <summary>When the instance is (or will be) terminated; null while nothing is scheduled.</summary>
    public DateTimeOffset? TerminationAt { get; set; }

    public string? TerminationReason { get; set; }

    /// <summary>When the natural interruption is due (real time); null for none.</summary>
    public DateTimeOffset? InterruptAt { get; set; }

    public ITimer? InterruptionTimer { get; set; }

    public InstanceHealth? HealthOverride { get; set; }

    public InstanceState StateAt(DateTimeOffset now) => SimulatedCloud.StateAt(RunningAt, TerminationAt, now);

    public CloudInstance SnapshotAt(DateTimeOffset now)
    {
        var state = StateAt(now);
        var terminated = state == InstanceState.Terminated;
        return new CloudInstance(
            InstanceId,
            Offer.Region,
            Offer.Zone,
            Offer.InstanceType,
            Request.Market,
            state,
            Price,
            Address,
            LaunchedAt,
            terminated ? TerminationAt : null,
            terminated ? TerminationReason : state == InstanceState.Pending ? "booting" : null,
            Request.Tags);
    }

    public void CancelInterruptionTimer()
    {
        InterruptionTimer?.Dispose();
        InterruptionTimer = null;
        InterruptAt = null;
    }
}
