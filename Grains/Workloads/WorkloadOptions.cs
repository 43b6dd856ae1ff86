namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>How workloads are run (configuration section <c>Workloads</c>).</summary>
public sealed class WorkloadOptions
{
    public const string SectionName = "Workloads";

    /// <summary>How often a running workload's health check runs.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a workload that is placing, booting or stopping looks again.</summary>
    public TimeSpan ProvisioningPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive failed health checks before the instance is replaced.</summary>
    public int UnhealthyThreshold { get; set; } = 3;

    /// <summary>How long a new instance may take to pass its first health check.</summary>
    public TimeSpan BootTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The first wait before retrying a placement that found no offer, capacity or credit; doubles up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How much running time one credit reservation covers; cost is committed at least this often.</summary>
    public TimeSpan BillingPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a workload's credit reservation lives if it is never committed (a safety net longer than <see cref="BillingPeriod"/>).</summary>
    public TimeSpan ReservationTtl { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The period of the durable keep-alive reminder of every non-terminal workload.</summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many ranked offers a placement tries before waiting.</summary>
    public int LaunchCandidates { get; set; } = 5;

    /// <summary>The DNS domain of workload endpoints: <c>{id}.{domain}</c> and <c>tcp-{id}.{domain}</c>.</summary>
    public string EndpointDomain { get; set; } = "workloads.arbitrage.local";

    /// <summary>
    /// Most audit events a workload keeps in its state (the latest); all of them are in its journal, paged by
    /// <c>GET /v1/workloads/{id}/events</c>.
    /// </summary>
    public int EventsInState { get; set; } = 100;

    /// <summary>
    /// Most placements a workload keeps in its state (the latest, the current one included); all of them are in its
    /// journal, paged by <c>GET /v1/workloads/{id}/placements</c>.
    /// </summary>
    public int PlacementsInState { get; set; } = 10;

    /// <summary>Most interruption notices waiting for delivery per provider on a silo; past it the oldest is dropped (logged).</summary>
    public int InterruptionQueue { get; set; } = 10_000;

    /// <summary>How many interruption notices per provider are delivered to their workloads at once.</summary>
    public int InterruptionDeliveries { get; set; } = 64;

    /// <summary>Moving a healthy workload to a cheaper offer (<c>Workloads:Rebalance</c>).</summary>
    public RebalanceOptions Rebalance { get; set; } = new();

    /// <summary>Problems with the settings, each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        foreach (var problem in Rebalance.Problems()) yield return problem;

        foreach (var (name, value) in new[]
                 {
                     (nameof(HealthCheckInterval), HealthCheckInterval), (nameof(ProvisioningPollInterval), ProvisioningPollInterval),
                     (nameof(BootTimeout), BootTimeout), (nameof(RetryInitialDelay), RetryInitialDelay), (nameof(RetryMaxDelay), RetryMaxDelay),
                     (nameof(BillingPeriod), BillingPeriod), (nameof(ReservationTtl), ReservationTtl), (nameof(KeepAlivePeriod), KeepAlivePeriod),
                 })
        {
            if (value <= TimeSpan.Zero) yield return $"{SectionName}:{name} must be a positive time span (was {value}).";
        }

        // A running workload renews its reservation on its health-check timer once half the TTL has passed.
        if (ReservationTtl <= 2 * HealthCheckInterval) yield return $"{SectionName}:ReservationTtl ({ReservationTtl}) must be longer than twice {SectionName}:HealthCheckInterval ({HealthCheckInterval}), so that it is renewed in time.";
        if (ReconcileInterval <= TimeSpan.Zero) yield return $"{SectionName}:ReconcileInterval must be a positive time span (was {ReconcileInterval}).";
        if (UnhealthyThreshold < 1) yield return $"{SectionName}:UnhealthyThreshold must be at least 1 (was {UnhealthyThreshold}).";
        if (LaunchCandidates is < 1 or > 50) yield return $"{SectionName}:LaunchCandidates must be between 1 and 50 (was {LaunchCandidates}).";
        if (EventsInState is < 1 or > 10_000) yield return $"{SectionName}:EventsInState must be between 1 and 10000 (was {EventsInState}).";
        if (InterruptionQueue is < 1 or > 1_000_000) yield return $"{SectionName}:InterruptionQueue must be between 1 and 1000000 (was {InterruptionQueue}).";
        if (InterruptionDeliveries is < 1 or > 1_000) yield return $"{SectionName}:InterruptionDeliveries must be between 1 and 1000 (was {InterruptionDeliveries}).";
        if (PlacementsInState is < 1 or > 1_000) yield return $"{SectionName}:PlacementsInState must be between 1 and 1000 (was {PlacementsInState}).";
        if (string.IsNullOrWhiteSpace(EndpointDomain)) yield return $"{SectionName}:EndpointDomain must not be empty.";
    }

    /// <summary>
    /// How often each silo lists the instances its clouds run with this cluster's tags and terminates those no
    /// workload claims (orphans of a crash between a launch and its record, or of a terminated workload); also once at start.
    /// </summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(5);
}
