namespace Arbitrage.Orleans.Grains.Tenancy;

/// <summary>One tenant's workload quotas.</summary>
public sealed class TenantQuota
{
    /// <summary>The most workloads not yet terminated or failed.</summary>
    public int MaxLiveWorkloads { get; set; } = 100;

    /// <summary>The most workloads created in any 60 seconds.</summary>
    public int WorkloadCreationsPerMinute { get; set; } = 60;
}

/// <summary>
/// Per-tenant quotas (configuration section <c>Quotas</c>): <see cref="Default"/> for every tenant, and overrides by
/// tenant id under <c>Quotas:Tenants:{tenantId}</c>. Over a quota, a creation is refused with <c>QUOTA_EXCEEDED</c>.
/// </summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";

    public TenantQuota Default { get; set; } = new();

    public Dictionary<string, TenantQuota> Tenants { get; set; } = new(StringComparer.Ordinal);

    public TenantQuota For(string tenantId) => Tenants.GetValueOrDefault(tenantId) ?? Default;

    public IEnumerable<string> Problems()
    {
        foreach (var (name, quota) in Tenants.Select(t => ($"Tenants:{t.Key}", t.Value)).Prepend(("Default", Default)))
        {
            if (quota.MaxLiveWorkloads < 1) yield return $"{SectionName}:{name}:MaxLiveWorkloads must be at least 1 (was {quota.MaxLiveWorkloads}).";
            if (quota.WorkloadCreationsPerMinute < 1) yield return $"{SectionName}:{name}:WorkloadCreationsPerMinute must be at least 1 (was {quota.WorkloadCreationsPerMinute}).";
        }
    }
}
