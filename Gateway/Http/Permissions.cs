namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>The permissions a token can hold.</summary>
public static class Permissions
{
    public const string WorkloadsCreate = "workloads:create";
    public const string WorkloadsRead = "workloads:read";
    public const string WorkloadsDelete = "workloads:delete";
    public const string PricingRead = "pricing:read";
    public const string TokensManage = "tokens:manage";
    public const string WalletsRead = "wallets:read";
    public const string WalletsManage = "wallets:manage";
    public const string TenantsManage = "tenants:manage";
}

/// <summary>Marks a route with the permission its caller needs (enforced once authentication arrives).</summary>
public sealed record RequiresPermission(string Permission);

public static class PermissionEndpointExtensions
{
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiresPermission(permission));
}
