using Arbitrage.Orleans.Client.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Arbitrage.Orleans.Client;

public static class ArbitrageClientServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the client uses (IHttpClientFactory).</summary>
    public const string HttpClientName = "Arbitrage.Orleans.Client";

    /// <summary>
    /// Registers <see cref="IArbitrageClient"/> as a typed client of IHttpClientFactory, with a resilience handler: a
    /// total timeout, retries of transient failures for idempotent calls only (honouring <c>Retry-After</c>), and a
    /// timeout per attempt. The options are checked when the client is first resolved.
    /// </summary>
    /// <returns>The HttpClient's builder, to add handlers (they run below the resilience handler: once per attempt).</returns>
    public static IHttpClientBuilder AddArbitrageClient(this IServiceCollection services, Action<ArbitrageClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ArbitrageClientOptions>().Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ArbitrageClientOptions>, ArbitrageClientOptionsValidator>());

        var builder = services.AddHttpClient<IArbitrageClient, ArbitrageClient>(HttpClientName, (provider, http) =>
        {
            var options = provider.GetRequiredService<IOptions<ArbitrageClientOptions>>().Value;
            http.BaseAddress = options.BaseAddress;
            http.Timeout = Timeout.InfiniteTimeSpan; // the resilience handler's total timeout rules
        });
        builder.AddResilienceHandler("arbitrage", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<ArbitrageClientOptions>>().Value;
            pipeline.AddTimeout(options.Timeout);
            if (options.MaxRetries > 0)
            {
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxRetries,
                    Delay = options.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldRetryAfterHeader = true,
                    ShouldHandle = args => ValueTask.FromResult(
                        IdempotentCalls.IsIdempotent(args.Context.GetRequestMessage())
                        && !args.Context.CancellationToken.IsCancellationRequested // the caller gave up: not a failure to retry
                        && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                });
            }

            pipeline.AddTimeout(options.AttemptTimeout);
        });
        return builder;
    }

    private sealed class ArbitrageClientOptionsValidator : IValidateOptions<ArbitrageClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, ArbitrageClientOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
