using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// The errors the shared pipeline (<see cref="GatewayExtensions.UseGateway"/>) answers before a route runs, in the
/// document: every operation may answer 414 (QUERY_TOO_LONG) and 431 (HEADERS_TOO_LARGE) from
/// <see cref="RequestLimitsMiddleware"/>, and every route that needs a token 401 and 403 (the routes of the product say so
/// themselves; this adds them to the Orleans dashboard's) — each with the one error shape.
/// </summary>
public static class PipelineErrorsOpenApi
{
    private static readonly (int Status, string Description)[] RequestLimitErrors =
    [
        (StatusCodes.Status414UriTooLong, "The query string is longer than the gateway accepts (QUERY_TOO_LONG)"),
        (StatusCodes.Status431RequestHeaderFieldsTooLarge, "The request headers are larger than the gateway accepts (HEADERS_TOO_LARGE)"),
    ];

    private static readonly (int Status, string Description)[] AuthenticationErrors =
    [
        (StatusCodes.Status401Unauthorized, "No token, or one the gateway does not know (UNAUTHORIZED)"),
        (StatusCodes.Status403Forbidden, "The token lacks the permission the route needs (FORBIDDEN)"),
    ];

    /// <summary>Adds the pipeline's errors to every operation; run it after the operations of every route exist.</summary>
    public static OpenApiOptions AddPipelineErrors(this OpenApiOptions options) => options.AddDocumentTransformer((document, context, _) =>
    {
        var guarded = context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAuthorizeData>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Select(e => ApiContractsOpenApi.DocumentPath(e.RoutePattern.RawText ?? ""))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (path, item) in document.Paths ?? [])
        {
            if (item.Operations is null) continue;
            foreach (var operation in item.Operations.Values)
            {
                operation.Responses ??= new OpenApiResponses();
                var errors = guarded.Contains(path) ? RequestLimitErrors.Concat(AuthenticationErrors) : RequestLimitErrors;
                foreach (var (status, description) in errors)
                {
                    operation.Responses.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
                    {
                        Description = description,
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(nameof(Arbitrage.Orleans.Contracts.ApiErrorResponse), document) } },
                    });
                }
            }
        }

        return Task.CompletedTask;
    });
}
