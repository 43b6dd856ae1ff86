using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Arbitrage.Orleans.Contracts.Groups;
using Arbitrage.Orleans.Contracts.Health;
using Arbitrage.Orleans.Contracts.Platform;
using Arbitrage.Orleans.Contracts.Pricing;
using Arbitrage.Orleans.Contracts.Providers;
using Arbitrage.Orleans.Contracts.Requests;
using Arbitrage.Orleans.Contracts.Simulation;
using Arbitrage.Orleans.Contracts.Templates;
using Arbitrage.Orleans.Contracts.Tenants;
using Arbitrage.Orleans.Contracts.Tokens;
using Arbitrage.Orleans.Contracts.Wallets;
using Arbitrage.Orleans.Contracts.Workloads;

namespace Arbitrage.Orleans.Contracts;

/// <summary>
/// The camelCase dialect (the <c>/v1</c> faces: workloads, pricing, tokens, tenants, the SpotInst-style groups, and the
/// error shape). Optional fields are left out when null. Dictionary keys (tags, attributes, metadata, provider names) are
/// kept as given. The gateway reads and writes the same records through its HTTP JSON options, which also refuse
/// numbers in strings and nulls for fields that are not optional.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiErrorResponse))]
[JsonSerializable(typeof(HealthAnswer))]
[JsonSerializable(typeof(CreateTenantRequest))]
[JsonSerializable(typeof(CreatedTenant))]
[JsonSerializable(typeof(SpotEnvelope))]
[JsonSerializable(typeof(ElastigroupRequest))]
[JsonSerializable(typeof(ManagedInstanceRequest))]
[JsonSerializable(typeof(SpotPing))]
[JsonSerializable(typeof(SpotVersion))]
[JsonSerializable(typeof(SimulatedInterruption))]
[JsonSerializable(typeof(SetSimulatedHealthRequest))]
[JsonSerializable(typeof(SimulatedHealth))]
[JsonSerializable(typeof(CreateWorkloadRequest))]
[JsonSerializable(typeof(WorkloadRequirements))]
[JsonSerializable(typeof(WorkloadResponse))]
[JsonSerializable(typeof(WorkloadListResponse))]
[JsonSerializable(typeof(WorkloadDetailResponse))]
[JsonSerializable(typeof(TerminateWorkloadResponse))]
[JsonSerializable(typeof(WorkloadEndpointResponse))]
[JsonSerializable(typeof(WorkloadEventListResponse))]
[JsonSerializable(typeof(WorkloadPlacementListResponse))]
[JsonSerializable(typeof(PriceEstimate))]
[JsonSerializable(typeof(SpotPriceList))]
[JsonSerializable(typeof(PriceHistory))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenListResponse))]
[JsonSerializable(typeof(string))]
public sealed partial class CamelCaseJsonContext : JsonSerializerContext;

/// <summary>
/// The snake_case dialect (the host-factory API under <c>/api/v1</c>, the CreditService face of wallets and reservations,
/// and the cluster-platform face). Optional fields are left out when null; dictionary keys are kept as given.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GrantCreditRequest))]
[JsonSerializable(typeof(Envelope<Wallet>))]
[JsonSerializable(typeof(Envelope<Transfer>))]
[JsonSerializable(typeof(Envelope<TransactionPage>))]
[JsonSerializable(typeof(Envelope<Reservation>))]
[JsonSerializable(typeof(Envelope<ReservationPage>))]
[JsonSerializable(typeof(CreateWalletRequest))]
[JsonSerializable(typeof(TopUpRequest))]
[JsonSerializable(typeof(TransferRequest))]
[JsonSerializable(typeof(ReserveCreditRequest))]
[JsonSerializable(typeof(CommitReservationRequest))]
[JsonSerializable(typeof(ReleaseReservationRequest))]
[JsonSerializable(typeof(ProviderList))]
[JsonSerializable(typeof(ProviderDetails))]
[JsonSerializable(typeof(ProviderCapabilities))]
[JsonSerializable(typeof(ValidateProvidersRequest))]
[JsonSerializable(typeof(ProviderDefinitionsResult))]
[JsonSerializable(typeof(SelectProviderRequest))]
[JsonSerializable(typeof(ProviderSelection))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(Template))]
[JsonSerializable(typeof(TemplateList))]
[JsonSerializable(typeof(ValidateTemplateRequest))]
[JsonSerializable(typeof(TemplateValidationResponse))]
[JsonSerializable(typeof(ValidateTemplateMultiRequest))]
[JsonSerializable(typeof(TemplateMultiValidationResponse))]
[JsonSerializable(typeof(TemplateRefreshResponse))]
[JsonSerializable(typeof(MigrateTemplatesRequest))]
[JsonSerializable(typeof(TemplateMigrationResult))]
[JsonSerializable(typeof(CreateMachinesRequest))]
[JsonSerializable(typeof(CreatedRequest))]
[JsonSerializable(typeof(RequestDetails))]
[JsonSerializable(typeof(CancelledRequest))]
[JsonSerializable(typeof(RequestList))]
[JsonSerializable(typeof(ClusterDiscoverResponse))]
[JsonSerializable(typeof(ProvisionRequest))]
[JsonSerializable(typeof(NodeProvisionResponse))]
[JsonSerializable(typeof(DeprovisionRequest))]
public sealed partial class SnakeCaseJsonContext : JsonSerializerContext;
