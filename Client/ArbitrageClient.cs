using Arbitrage.Orleans.Client.Internal;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Client;

/// <summary>The typed client over the <see cref="HttpClient"/> that <c>AddArbitrageClient</c> configures (base address, resilience).</summary>
public sealed class ArbitrageClient : IArbitrageClient
{
    public ArbitrageClient(HttpClient http, IOptions<ArbitrageClientOptions> options)
    {
        var settings = options.Value;
        http.BaseAddress ??= settings.BaseAddress;
        var api = new ApiTransport(http, settings.ApiToken!);
        Workloads = new WorkloadsClient(api);
        Pricing = new PricingClient(api);
        Tokens = new TokensClient(api);
        Tenants = new TenantsClient(api);
        Wallets = new WalletsClient(api);
        Reservations = new ReservationsClient(api);
        Providers = new ProvidersClient(api);
        Templates = new TemplatesClient(api);
        Requests = new RequestsClient(api);
        Groups = new GroupsClient(api);
        Platform = new PlatformClient(api);
    }

    public WorkloadsClient Workloads { get; }
    public PricingClient Pricing { get; }
    public TokensClient Tokens { get; }
    public TenantsClient Tenants { get; }
    public WalletsClient Wallets { get; }
    public ReservationsClient Reservations { get; }
    public ProvidersClient Providers { get; }
    public TemplatesClient Templates { get; }
    public RequestsClient Requests { get; }
    public GroupsClient Groups { get; }
    public PlatformClient Platform { get; }
}
