namespace Arbitrage.Orleans.Client;

/// <summary>The product's HTTP API, one typed client per face. Registered with <c>services.AddArbitrageClient(o => …)</c>.</summary>
public interface IArbitrageClient
{
    /// <summary><c>/v1/workloads</c>: the Compute Arbitrage API's workloads.</summary>
    WorkloadsClient Workloads { get; }

    /// <summary><c>/v1/pricing</c>: estimates, current prices and price history.</summary>
    PricingClient Pricing { get; }

    /// <summary><c>/v1/tokens</c>: the tenant's API tokens.</summary>
    TokensClient Tokens { get; }

    /// <summary><c>/v1/tenants</c> (operators).</summary>
    TenantsClient Tenants { get; }

    /// <summary><c>/api/v1/wallets</c>: project wallets and their transactions.</summary>
    WalletsClient Wallets { get; }

    /// <summary><c>/api/v1/reservations</c>: credit held, committed, released.</summary>
    ReservationsClient Reservations { get; }

    /// <summary><c>/api/v1/providers</c>.</summary>
    ProvidersClient Providers { get; }

    /// <summary><c>/api/v1/templates</c>.</summary>
    TemplatesClient Templates { get; }

    /// <summary><c>/api/v1/requests</c>.</summary>
    RequestsClient Requests { get; }

    /// <summary><c>/v1/spot/{account}/elastigroups</c> and <c>/instances</c>.</summary>
    GroupsClient Groups { get; }

    /// <summary><c>/discover</c>, <c>/provision</c>, <c>/deprovision</c>.</summary>
    PlatformClient Platform { get; }
}
