using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Arbitrage.Orleans.Contracts.Groups;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Groups;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The SpotInst-style face under <c>/v1/spot</c>: elastigroups (<c>sig-…</c>) and managed instances (<c>smi-…</c>, a
/// group of one) of an account, which is a project wallet of the caller's tenant (another tenant's answers 404), over
/// <see cref="IGroupGrain"/>. The token comes as <c>X-Auth-Token</c> (or Bearer). Answers use a SpotInst-like envelope
/// <c>{"request": {...}, "response": {"status", "kind", "items", "count", "warnings"}}</c>; refusals use the one error shape.
/// </summary>
public static class SpotApi
{
    public const string ElastigroupKind = "spotinst:aws:ec2:group";
    public const string ManagedInstanceKind = "spotinst:aws:ec2:managedInstance";

    public static IEndpointRouteBuilder MapSpotApi(this IEndpointRouteBuilder routes)
    {
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict, TooLarge = StatusCodes.Status413PayloadTooLarge;
        var spot = routes.MapGroup("/v1/spot").WithTags("Spot");
        spot.MapGet("/ping", () => TypedResults.Ok(new SpotPing(new SpotPingResponse(new SpotStatus(200, "OK"), ["pong"]))))
            .WithName("SpotPing").WithSummary("Liveness of the SpotInst-style face (no token needed)").ProducesUnexpectedError().AllowAnonymous().DisableRateLimiting();
        spot.MapGet("/version", () => TypedResults.Ok(new SpotVersion(new SpotVersionResponse(new SpotStatus(200, "OK"), [new SpotVersionItem(Version)]))))
            .WithName("SpotVersion").WithSummary("The product's version (no token needed)").ProducesUnexpectedError().AllowAnonymous().DisableRateLimiting();
        spot.MapGet("/metrics", MetricsAsync).WithName("SpotMetrics")
            .WithSummary("Prometheus text: each group's target, members, running, spot share, fallbacks and interruptions (the tenant's groups; every group for an operator)")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").ProducesApiErrors().RequirePermission(Permissions.WorkloadsRead);

        foreach (var (path, kind) in new[] { ("elastigroups", SpotGroupKind.Elastigroup), ("instances", SpotGroupKind.ManagedInstance) })
        {
            string noun = kind == SpotGroupKind.Elastigroup ? "Elastigroup" : "ManagedInstance";
            var body = kind == SpotGroupKind.Elastigroup ? typeof(ElastigroupRequest) : typeof(ManagedInstanceRequest);
            spot.MapGet($"/{{account}}/{path}", (string account, HttpContext c, IGrainFactory g, IGroupCatalog catalog) => ListAsync(account, kind, c, g, catalog))
                .WithName($"List{noun}s").WithSummary($"The account's {path}, newest first").ProducesApiErrors(NotFound).RequirePermission(Permissions.WorkloadsRead);
            spot.MapPost($"/{{account}}/{path}", (string account, HttpContext c, IGrainFactory g) => CreateAsync(account, kind, c, g))
                .WithName($"Create{noun}").WithSummary($"Creates a{(kind == SpotGroupKind.Elastigroup ? "n elastigroup" : " managed instance (a group of one)")}; unhonoured fields are stored, echoed and listed in warnings")
                .Accepts(body, "application/json").ProducesApiErrors(BadRequest, NotFound, TooLarge).RequirePermission(Permissions.WorkloadsCreate);
            spot.MapGet($"/{{account}}/{path}/{{id}}", (string account, string id, HttpContext c, IGrainFactory g) => GetAsync(account, id, kind, c, g))
                .WithName($"Get{noun}").WithSummary("Status and members (market, type, zone, price, state)").ProducesApiErrors(NotFound).RequirePermission(Permissions.WorkloadsRead);
            spot.MapPut($"/{{account}}/{path}/{{id}}", (string account, string id, HttpContext c, IGrainFactory g) => UpdateAsync(account, id, kind, c, g))
                .WithName($"Update{noun}").WithSummary("Changes what the body gives (a change of capacity is a scale up or down); the rest is kept")
                .Accepts(body, "application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge).RequirePermission(Permissions.WorkloadsCreate);
            spot.MapDelete($"/{{account}}/{path}/{{id}}", (string account, string id, HttpContext c, IGrainFactory g) => DeleteAsync(account, id, kind, c, g))
                .WithName($"Delete{noun}").WithSummary("Drains and terminates every member").ProducesApiErrors(NotFound).RequirePermission(Permissions.WorkloadsDelete);
        }

        return routes;
    }

    private static string Version =>
        typeof(SpotApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? typeof(SpotApi).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    private static async Task<Ok<SpotEnvelope>> ListAsync(string account, SpotGroupKind kind, HttpContext context, IGrainFactory grains, IGroupCatalog catalog)
    {
        string tenant = await AccountAsync(grains, context, account);
        var listed = (await catalog.ListAsync(tenant, context.RequestAborted))
            .Where(g => g.Status != GroupStatus.Deleted && g.Spec.ProjectId == account && g.Id.StartsWith(Prefix(kind), StringComparison.Ordinal)).ToList();
        var details = await Task.WhenAll(listed.Select(g => grains.GetGrain<IGroupGrain>(g.Id).Get(tenant)));
        return Envelope(context, kind, details.OfType<GroupDetails>().ToList());
    }

    private static async Task<Ok<SpotEnvelope>> CreateAsync(string account, SpotGroupKind kind, HttpContext context, IGrainFactory grains)
    {
        string tenant = await AccountAsync(grains, context, account);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var spec = SpotGroupBody.Read(Unwrap(body.Root, kind), kind, account, old: null);
        string id = TokenSecrets.NewId(Prefix(kind), 6);
        try
        {
            var group = await grains.GetGrain<IGroupGrain>(id).Create(tenant, spec);
            return Envelope(context, kind, [group]);
        }
        catch (PlacementValidationException e)
        {
            throw SpotGroupBody.Renamed(e, kind, spec, Unwrap(body.Root, kind));
        }
    }

    private static async Task<Ok<SpotEnvelope>> GetAsync(string account, string id, SpotGroupKind kind, HttpContext context, IGrainFactory grains)
    {
        string tenant = await AccountAsync(grains, context, account);
        return Envelope(context, kind, [await FindAsync(grains, tenant, account, id, kind)]);
    }

    private static async Task<Ok<SpotEnvelope>> UpdateAsync(string account, string id, SpotGroupKind kind, HttpContext context, IGrainFactory grains)
    {
        string tenant = await AccountAsync(grains, context, account);
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var root = Unwrap(body.Root, kind);
        if (root.TryGetProperty("id", out var given) && given.ValueKind != JsonValueKind.Null && given.ToString() != id
            && !(given.ValueKind == JsonValueKind.String && IsPlaceholder(given.GetString()!, kind)))
        {
            throw ApiErrorException.Validation("id", $"id '{given}' in the body is not the {Noun(kind)} of the path ('{id}').");
        }

        var current = await FindAsync(grains, tenant, account, id, kind);
        var spec = SpotGroupBody.Read(root, kind, account, current.Spec);
        try
        {
            var group = await grains.GetGrain<IGroupGrain>(id).Update(tenant, spec) ?? throw Missing(id, kind);
            return Envelope(context, kind, [group]);
        }
        catch (PlacementValidationException e)
        {
            throw SpotGroupBody.Renamed(e, kind, spec, root);
        }
        catch (InvalidOperationException e)
        {
            throw new ApiErrorException(StatusCodes.Status409Conflict, ErrorCodes.Conflict, e.Message);
        }
    }

    private static async Task<Ok<SpotEnvelope>> DeleteAsync(string account, string id, SpotGroupKind kind, HttpContext context, IGrainFactory grains)
    {
        string tenant = await AccountAsync(grains, context, account);
        await FindAsync(grains, tenant, account, id, kind);
        await grains.GetGrain<IGroupGrain>(id).Delete(tenant);
        var group = await grains.GetGrain<IGroupGrain>(id).Get(tenant) ?? throw Missing(id, kind);
        return Envelope(context, kind, [group]);
    }

    /// <summary>
    /// <c>GET /v1/spot/metrics</c>: one series per group and measure, labelled with the group, its name and account
    /// (and tenant for an operator, who sees every tenant's groups).
    /// </summary>
    private static async Task<IResult> MetricsAsync(HttpContext context, IGrainFactory grains, IGroupCatalog catalog)
    {
        var grant = context.Grant();
        bool all = grant.Allows(Permissions.TenantsManage);
        var listed = (await catalog.ListAsync(all ? null : grant.TenantId, context.RequestAborted)).Where(g => g.Status != GroupStatus.Deleted).ToList();
        var rows = new List<(GroupListItem Item, GroupDetails Group, int Interruptions)>();
        foreach (var item in listed)
        {
            if (await grains.GetGrain<IGroupGrain>(item.Id).Get(item.TenantId) is not { } group) continue;
            var workloads = await Task.WhenAll(group.Members.Select(m => grains.GetGrain<IWorkloadGrain>(m.WorkloadId).Get(item.TenantId)));
            int interruptions = workloads.OfType<WorkloadDetails>().Sum(w => w.Placements.Count(p => p.EndReason?.StartsWith(WorkloadReasons.SpotInterruption, StringComparison.Ordinal) == true));
            rows.Add((item, group, interruptions));
        }

        var text = new StringBuilder();
        void Series(string name, string help, string type, Func<(GroupListItem Item, GroupDetails Group, int Interruptions), double> value)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var row in rows)
            {
                text.Append(name).Append('{').Append("group=\"").Append(Label(row.Group.Id)).Append("\",name=\"").Append(Label(row.Group.Spec.Name))
                    .Append("\",account=\"").Append(Label(row.Group.Spec.ProjectId ?? row.Item.TenantId)).Append('"');
                if (all) text.Append(",tenant=\"").Append(Label(row.Item.TenantId)).Append('"');
                text.Append("} ").Append(value(row).ToString("0.####", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        static bool Running(GroupMember m) => m.Status == WorkloadStatus.Running && !m.Draining;
        static bool OnSpot(GroupMember m) => string.Equals(m.Market ?? m.Lifecycle, MarketNames.Spot, StringComparison.OrdinalIgnoreCase);
        Series("arb_group_target", "The group's target size.", "gauge", r => r.Group.Spec.Capacity.Target);
        Series("arb_group_minimum", "The group's minimum size.", "gauge", r => r.Group.Spec.Capacity.Minimum);
        Series("arb_group_maximum", "The group's maximum size.", "gauge", r => r.Group.Spec.Capacity.Maximum);
        Series("arb_group_members", "Members counted toward the target (in flight or running, not draining).", "gauge", r => r.Group.Active.Count());
        Series("arb_group_running", "Members running.", "gauge", r => r.Group.Members.Count(Running));
        Series("arb_group_spot_share", "Share of the running members on spot (0 when none runs).", "gauge", r =>
            r.Group.Members.Count(Running) is var n and > 0 ? (double)r.Group.Members.Count(m => Running(m) && OnSpot(m)) / n : 0);
        Series("arb_group_fallbacks", "On-demand members serving now because spot could not be placed.", "gauge", r => r.Group.Active.Count(m => m.Fallback));
        Series("arb_group_interruptions", "Spot interruptions among the members' recent placements.", "gauge", r => r.Interruptions);
        return Results.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }

    private static string Label(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>The caller's tenant, once <paramref name="account"/> is one of its project wallets; another tenant's (or none) answers 404.</summary>
    private static async Task<string> AccountAsync(IGrainFactory grains, HttpContext context, string account)
    {
        string tenant = context.Grant().TenantId;
        if (!WalletKeys.IsValidProjectId(account) || await grains.GetGrain<IWalletGrain>(WalletKeys.Of(tenant, account)).Get() is null)
        {
            throw ApiErrorException.NotFound(ErrorCodes.AccountNotFound,
                $"Account '{(account.Length > 64 ? account[..64] + "…" : account)}' does not exist: an account is a project wallet of your tenant.");
        }

        return tenant;
    }

    private static async Task<GroupDetails> FindAsync(IGrainFactory grains, string tenant, string account, string id, SpotGroupKind kind)
    {
        if (id.Length is < 5 or > 64 || !id.StartsWith(Prefix(kind), StringComparison.Ordinal)) throw Missing(id, kind);
        var group = await grains.GetGrain<IGroupGrain>(id).Get(tenant);
        return group is not null && group.Spec.ProjectId == account ? group : throw Missing(id, kind);
    }

    /// <summary>SpotInst clients may wrap the body as <c>{"group": {...}}</c> or <c>{"managedInstance": {...}}</c>; the seed's bodies are bare.</summary>
    private static JsonElement Unwrap(JsonElement root, SpotGroupKind kind)
    {
        string wrapper = kind == SpotGroupKind.Elastigroup ? "group" : "managedInstance";
        return root.TryGetProperty(wrapper, out var inner) && inner.ValueKind == JsonValueKind.Object && root.EnumerateObject().Count() == 1 ? inner : root;
    }

    /// <summary>The seed's update example carries <c>sig-000000000</c>: a placeholder id, not another group's.</summary>
    private static bool IsPlaceholder(string id, SpotGroupKind kind) => id.StartsWith(Prefix(kind), StringComparison.Ordinal) && id[Prefix(kind).Length..].All(c => c == '0');

    private static string Prefix(SpotGroupKind kind) => kind == SpotGroupKind.Elastigroup ? "sig-" : "smi-";

    private static string Noun(SpotGroupKind kind) => kind == SpotGroupKind.Elastigroup ? "elastigroup" : "managed instance";

    private static ApiErrorException Missing(string id, SpotGroupKind kind) =>
        ApiErrorException.NotFound(ErrorCodes.GroupNotFound, $"{(kind == SpotGroupKind.Elastigroup ? "Elastigroup" : "Managed instance")} '{(id.Length > 64 ? id[..64] + "…" : id)}' does not exist in this account.");

    /// <summary>The SpotInst-like envelope of every answer (200: SpotInst answers a create with 200 too).</summary>
    private static Ok<SpotEnvelope> Envelope(HttpContext context, SpotGroupKind kind, IReadOnlyList<GroupDetails> groups)
    {
        var items = groups.Select(g => Item(g, kind)).ToList();
        var request = new SpotRequestInfo(context.Response.Headers[ApiErrorMiddleware.RequestIdHeader].ToString(), context.Request.Path.Value, context.Request.Method,
            context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        var response = new SpotResponse(new SpotStatus(StatusCodes.Status200OK, "OK"), kind == SpotGroupKind.Elastigroup ? ElastigroupKind : ManagedInstanceKind, items, items.Count,
            items.SelectMany(i => i.Warnings).Distinct().ToList());
        return TypedResults.Ok(new SpotEnvelope(request, response));
    }

    private static SpotGroup Item(GroupDetails g, SpotGroupKind kind)
    {
        var s = g.Spec;
        var strategy = new SpotStrategy(s.Strategy.Risk, s.Strategy.OnDemandCount, Camel(s.Strategy.AvailabilityVsCost.ToString()), (int)s.Strategy.DrainingTimeout.TotalSeconds,
            s.Strategy.FallbackToOd, (long)s.Strategy.MinimumLifetime.TotalSeconds, s.Strategy.MaxShareOfMarket, new SpotScalingStrategy(Camel(s.Strategy.TerminationPolicy.ToString())),
            new SpotRevertToSpot(Camel(s.Strategy.RevertToSpot.ToString()), s.Strategy.RevertWindows));
        var compute = new SpotCompute(new SpotInstanceTypes(s.Compute.OnDemandType, s.Compute.SpotTypes,
            s.Compute.Weights?.Select(w => new SpotWeight(w.Key, w.Value)).ToList()), (s.Compute.Zones ?? []).Select(z => new SpotZone(z)).ToList(),
            new SpotLaunchSpecification(s.Compute.LaunchSpecification.ImageId, s.Compute.LaunchSpecification.StartupScript,
                (s.Compute.Tags ?? new Dictionary<string, string>()).Select(t => new SpotTag(t.Key, t.Value)).ToList()));
        var members = g.Members.Select(m => new SpotMember(m.WorkloadId, m.Market ?? m.Lifecycle, m.InstanceType, m.Zone, m.Region, m.Provider, m.PricePerHour,
            m.Status?.ToString().ToUpperInvariant() ?? "PENDING", m.StatusReason, m.Fallback, m.Draining, s.MemberWeight(m.Lifecycle, m.AllowedTypes))).ToList();
        var unhonoured = (s.Unhonoured ?? new Dictionary<string, string>()).ToDictionary(u => u.Key, u => JsonDocument.Parse(u.Value).RootElement.Clone(), StringComparer.Ordinal);
        return new SpotGroup(g.Id, s.Name, g.Status.ToString().ToUpperInvariant(), s.ProjectId, s.Compute.Regions?.FirstOrDefault(),
            new SpotCapacity(s.Capacity.Target, s.Capacity.Minimum, s.Capacity.Maximum, s.Capacity.Unit.ToString().ToLowerInvariant()), strategy, compute, members,
            unhonoured, SpotGroupBody.Warnings(s), kind == SpotGroupKind.Elastigroup ? "elastigroup" : "managedInstance", g.CreatedAt, g.UpdatedAt,
            s.HealthCheck is { } h ? new SpotHealthCheck(h.AutoHealing, (long)h.GracePeriod.TotalSeconds, (long)h.UnhealthyDuration.TotalSeconds) : null);
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
