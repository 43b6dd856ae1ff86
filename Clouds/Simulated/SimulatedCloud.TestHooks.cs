namespace Arbitrage.Orleans.Clouds.Simulated;

/// <summary>Hooks for tests, benchmarks and demos to steer the simulation.</summary>
public sealed partial class SimulatedCloud
{
    /// <summary>Instances launched (idempotent repeats of a ClientToken and failed launches not counted).</summary>
    public int LaunchCount
    {
        get { lock (_gate) return _launchCount; }
    }

    /// <summary>Calls to <see cref="LaunchAsync"/>, including failed ones and idempotent repeats.</summary>
    public int LaunchAttempts
    {
        get { lock (_gate) return _launchAttempts; }
    }

    /// <summary>
    /// Forces a market's capacity: false makes every launch fail with InsufficientCapacity; true makes launches
    /// succeed regardless of its availability trace and the random capacity draw.
    /// </summary>
    public void SetCapacity(string region, string zone, string instanceType, bool available)
    {
        lock (_gate) _capacity[(region, zone, instanceType)] = available;
    }

    /// <summary>
    /// Forces the capacity of every spot market of this cloud (all spot zones down, or all up); null hands it back to
    /// <see cref="SetCapacity"/>, the availability traces and the random draw. On-demand launches are not affected.
    /// </summary>
    public void SetSpotCapacity(bool? available)
    {
        lock (_gate) _spotCapacity = available;
    }

    /// <summary>Sets what <see cref="CheckHealthAsync"/> reports for a running instance.</summary>
    public void SetHealth(string instanceId, InstanceHealth health)
    {
        lock (_gate) InstanceOrThrow(instanceId).HealthOverride = health;
    }

    /// <summary>
    /// Interrupts an instance now: every watcher gets the notice, and the instance terminates NoticeLead later.
    /// Returns false (and does nothing) when it is already terminated or has had its notice.
    /// </summary>
    public bool Interrupt(string instanceId)
    {
        lock (_gate)
        {
            var instance = InstanceOrThrow(instanceId);
            if (instance.TerminationAt is not null) return false;
            IssueNotice(instance, _time.GetUtcNow(), "interrupted by a test hook");
            return true;
        }
    }
}
