namespace Arbitrage.Orleans.Client;

/// <summary>Filters and order of <c>GET /api/v1/providers</c>; <see cref="Sort"/> is <c>field:asc|desc</c> (name, type, enabled, priority, weight, status).</summary>
public sealed record ProviderListQuery(string? Type = null, bool? Enabled = null, string? Sort = null, int? PageSize = null);

/// <summary>Filters and order of <c>GET /api/v1/templates</c>; <see cref="Sort"/> is <c>field:asc|desc</c> (template_id, provider_type, provider_name, provider_api, max_instances).</summary>
public sealed record TemplateListQuery(string? ProviderType = null, string? ProviderName = null, string? ProviderApi = null, string? Sort = null, int? PageSize = null);

/// <summary>Order of <c>GET /api/v1/requests</c> (newest first without <see cref="Sort"/>: created_at, template_id, status, requested_count, provider_instance).</summary>
public sealed record RequestListQuery(string? Sort = null, int? PageSize = null);

/// <summary>Filters of <c>GET /v1/pricing/current</c>: the configured provider (e.g. <c>sim-aws</c>), region and instance type; <see cref="PageSize"/> is 1 to 500.</summary>
public sealed record CurrentPriceQuery(string? Provider = null, string? Region = null, string? InstanceType = null, int? PageSize = null);
