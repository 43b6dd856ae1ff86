using Orleans;
namespace Arbitrage.Orleans.Grains.Tenancy;

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

    /// <summary>Every permission, in a stable order (an array: a type every serializer knows, unlike a collection expression's).</summary>
    public static IReadOnlyList<string> All { get; } =
        new string[] { WorkloadsCreate, WorkloadsRead, WorkloadsDelete, PricingRead, TokensManage, WalletsRead, WalletsManage, TenantsManage };

    /// <summary>What a new tenant's first token holds: everything but managing other tenants.</summary>
    public static IReadOnlyList<string> TenantOwner { get; } = All.Where(p => p != TenantsManage).ToList();

    public static bool IsKnown(string permission) => All.Contains(permission, StringComparer.Ordinal);
}
