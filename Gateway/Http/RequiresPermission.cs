using Microsoft.AspNetCore.Authorization;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>The permission a route's caller must hold; also read by the route-matrix test and the OpenAPI document.</summary>
public sealed record RequiresPermission(string Permission);

/// <summary>
/// The authorization policies: one per permission (<see cref="For"/>), the dashboard's, and the fallback that every
/// route without its own policy gets: a caller is required. Only routes marked <c>AllowAnonymous</c> are open.
/// </summary>
public static class ApiPolicies
{
    public const string PermissionClaim = "arbitrage:permission";
    public const string Dashboard = "dashboard";

    public static string For(string permission) => "permission:" + permission;

    public static AuthorizationBuilder AddApiPolicies(this AuthorizationBuilder builder)
    {
        var caller = new AuthorizationPolicyBuilder(TokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
        builder.SetDefaultPolicy(caller).SetFallbackPolicy(caller);
        foreach (string permission in Permissions.All)
        {
            builder.AddPolicy(For(permission), policy => policy.AddAuthenticationSchemes(TokenAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
        }

        builder.AddPolicy(Dashboard, policy => policy.AddAuthenticationSchemes(TokenAuthenticationHandler.SchemeName).RequireAuthenticatedUser()
            .RequireAssertion(c => c.User.HasClaim(PermissionClaim, Permissions.TenantsManage) || c.User.HasClaim(c => c.Type == TokenAuthenticationHandler.DashboardClaim)));
        return builder;
    }

    /// <summary>Requires a caller whose token holds <paramref name="permission"/>: 401 without a valid token, 403 without the permission.</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiresPermission(permission)).RequireAuthorization(For(permission));
}

/// <summary>The caller's token must hold <see cref="Permission"/>.</summary>
public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>Grants <see cref="PermissionRequirement"/> when the caller's token holds the permission.</summary>
public sealed class PermissionHandler : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.HasClaim(ApiPolicies.PermissionClaim, requirement.Permission)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
