using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// Answers refused requests in the API's one error shape: 401 <c>UNAUTHORIZED</c> when there is no valid caller (with
/// why the credentials were refused), 403 <c>FORBIDDEN</c> naming the permission the caller's token lacks.
/// The dashboard's 401 asks for HTTP Basic, so a browser offers a password box.
/// </summary>
public sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded) return _default.HandleAsync(next, context, policy, result);
        bool dashboard = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == ApiPolicies.Dashboard) == true;
        if (result.Challenged || context.User.Identity?.IsAuthenticated != true)
        {
            string message = TokenAuthenticationHandler.FailureOf(context)
                             ?? (dashboard ? "The dashboard needs the admin token (Bearer, or as the Basic password) or the dashboard password." : "An Authorization: Bearer <token> header is required.");
            var error = new ApiErrorException(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message);
            if (dashboard) error.WithHeader("WWW-Authenticate", "Basic realm=\"Orleans dashboard\", charset=\"UTF-8\"");
            return ApiErrorMiddleware.WriteAsync(context, error);
        }

        string? permission = result.AuthorizationFailure?.FailedRequirements.OfType<PermissionRequirement>().FirstOrDefault()?.Permission;
        var forbidden = permission is null
            ? new ApiErrorException(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, dashboard ? "The dashboard is for operators: the token lacks 'tenants:manage'." : "This caller may not use this route.")
            : new ApiErrorException(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, $"This token lacks the permission '{permission}'.",
                new Dictionary<string, object?> { ["permission"] = permission });
        return ApiErrorMiddleware.WriteAsync(context, forbidden);
    }
}
