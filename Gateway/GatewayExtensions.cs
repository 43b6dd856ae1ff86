using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Arbitrage.Orleans.Gateway.Apis;
using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;

namespace Arbitrage.Orleans.Gateway;

/// <summary>The HTTP gateway: the error handling, limits, authentication and authorization every route shares, then every route group, in one place.</summary>
public static class GatewayExtensions
{
    /// <summary>
    /// The gateway's services: token authentication, a policy per permission with a fallback that requires a caller
    /// (deny by default), rate limits, request limits and the OpenAPI document of every route. Settings problems
    /// throw <see cref="OptionsValidationException"/> naming the setting.
    /// </summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<TokenVerifierOptions>();
        services.AddSingleton<TokenVerifier>();
        services.AddSingleton(Bind<Pricing.PriceHistoryOptions>(configuration, Pricing.PriceHistoryOptions.SectionName, o => o.Problems()));
        services.AddSingleton<Pricing.PriceHistoryCache>();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<TokenAuthenticationOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, o => o.DashboardPassword = configuration["Dashboard:Password"]);
        services.AddAuthorizationBuilder().AddApiPolicies();
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();

        var limits = Bind<RateLimitOptions>(configuration, RateLimitOptions.SectionName, o => o.Problems());
        services.AddSingleton(limits);
        // The limits' windows follow the host's clock, or the one registered under RateLimitOptions.ClockKey (tests).
        services.AddSingleton(sp => new ApiRateLimits(limits, sp.GetKeyedService<TimeProvider>(RateLimitOptions.ClockKey) ?? sp.GetRequiredService<TimeProvider>()));
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<ApiRateLimits>((o, api) =>
        {
            if (!limits.Enabled) return;
            o.GlobalLimiter = api.Global;
            o.OnRejected = api.RejectAsync;
        });
        services.AddSingleton(Bind<RequestLimitOptions>(configuration, RequestLimitOptions.SectionName, o => o.Problems()));

        services.ConfigureHttpJsonOptions(o =>
        {
            ApiJsonContexts.Apply(o.SerializerOptions);
            // The Contracts package's snake_case records (the CreditService face) spell their names themselves ([JsonPropertyName]).
            o.SerializerOptions.TypeInfoResolverChain.Insert(ApiJsonContexts.Resolvers.Count, Arbitrage.Orleans.Contracts.SnakeCaseJsonContext.Default);
        });
        services.AddSingleton<WorkloadRequestRules>();
        services.AddSingleton<IRequestValidator<Arbitrage.Orleans.Contracts.Workloads.CreateWorkloadRequest>>(sp => sp.GetRequiredService<WorkloadRequestRules>());
        services.AddSingleton<IRequestValidator<Arbitrage.Orleans.Contracts.Workloads.WorkloadRequirements>>(sp => sp.GetRequiredService<WorkloadRequestRules>());
        services.AddSingleton<IRequestValidator<Arbitrage.Orleans.Contracts.Tokens.CreateTokenRequest>, TokenRequestRules>();
        CreditRequestValidator.AddTo(services);
        PlatformRequestValidator.AddTo(services);
        HostFactoryRequestValidator.AddTo(services);
        services.AddOpenApi("v1", o => o.AddContractExamples().AddExtensionDataAsAdditionalProperties().AddOptionalInsteadOfNull().AddEndpointsWithoutHandlers().AddPipelineErrors().AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Arbitrage.Orleans API";
            document.Info.Description = "Workloads, pricing, tokens and tenants (/v1), the host-factory API's providers, templates and requests (/api/v1/providers, /api/v1/templates, /api/v1/requests), wallets and credit reservations (/api/v1), groups as elastigroups and managed instances (/v1/spot) and as cluster node groups (/discover, /provision, /deprovision). "
                                        + "Every route but /health, /ready, /v1/spot/ping, /v1/spot/version and this document needs Authorization: Bearer <token> (under /v1/spot, X-Auth-Token: <token> also works). "
                                        + "Responses carry X-RateLimit-Limit/-Remaining/-Reset/-Window; over a limit, 429 RATE_LIMITED with Retry-After.";
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>The request pipeline every HTTP route shares, the dashboard's included: errors, limits, routing, rate limits, authentication, authorization.</summary>
    public static WebApplication UseGateway(this WebApplication app)
    {
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<RequestLimitsMiddleware>();
        app.UseRouting();
        // Rate limits come before authentication, so a flood of guessed tokens is refused before any token is looked up.
        if (app.Services.GetRequiredService<RateLimitOptions>().Enabled)
        {
            app.UseRateLimiter();
            app.UseMiddleware<RateLimitHeadersMiddleware>();
        }

        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().DisableRateLimiting();
        app.MapHealthApi();
        app.MapPricingApi();
        app.MapProvidersApi();
        app.MapTemplatesApi();
        app.MapRequestsApi();
        app.MapTenantsApi();
        app.MapTokensApi();
        app.MapWorkloadsApi();
        app.MapWalletsApi();
        app.MapSimulationApi();
        app.MapSpotApi();
        app.MapPlatformApi();
        app.MapConsoleApi();
        return app;
    }

    private static T Bind<T>(IConfiguration configuration, string section, Func<T, IEnumerable<string>> problems) where T : new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options);
        var found = problems(options).ToList();
        return found.Count == 0 ? options : throw new Microsoft.Extensions.Options.OptionsValidationException(section, typeof(T), found);
    }
}
