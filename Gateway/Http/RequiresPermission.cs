namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>Marks a route with the permission its caller's token must hold (see <see cref="TokenAuthenticationMiddleware"/>).</summary>
public sealed record RequiresPermission(string Permission);

public static class PermissionEndpointExtensions
{
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiresPermission(permission));
}
