using Arbitrage.Orleans.Contracts.Tenants;
using Arbitrage.Orleans.Contracts.Wallets;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Wallets;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The checks of the credit requests (wallets, reservations, tenants and their credit), run as each body is read
/// (<see cref="RequestBody{T}"/>); each refusal is a 400 naming the field as the request spells it.
/// </summary>
public sealed class CreditRequestValidator :
    IRequestValidator<CreateWalletRequest>, IRequestValidator<TopUpRequest>, IRequestValidator<TransferRequest>, IRequestValidator<ReserveCreditRequest>,
    IRequestValidator<CommitReservationRequest>, IRequestValidator<ReleaseReservationRequest>, IRequestValidator<CreateTenantRequest>, IRequestValidator<GrantCreditRequest>
{
    public const int MaxDescriptionLength = 512;

    /// <summary>Registers the validator for every request it checks.</summary>
    public static IServiceCollection AddTo(IServiceCollection services)
    {
        var validator = new CreditRequestValidator();
        services.AddSingleton<IRequestValidator<CreateWalletRequest>>(validator);
        services.AddSingleton<IRequestValidator<TopUpRequest>>(validator);
        services.AddSingleton<IRequestValidator<TransferRequest>>(validator);
        services.AddSingleton<IRequestValidator<ReserveCreditRequest>>(validator);
        services.AddSingleton<IRequestValidator<CommitReservationRequest>>(validator);
        services.AddSingleton<IRequestValidator<ReleaseReservationRequest>>(validator);
        services.AddSingleton<IRequestValidator<CreateTenantRequest>>(validator);
        services.AddSingleton<IRequestValidator<GrantCreditRequest>>(validator);
        return services;
    }

    public void Validate(CreateWalletRequest request, IServiceProvider services)
    {
        ProjectId("project_id", RequestRules.RequiredString("project_id", request.ProjectId, 64));
        RequestRules.MaxLength("org_id", request.OrgId, 128);
        Amount("initial_balance", request.InitialBalance, allowZero: true);
    }

    public void Validate(TopUpRequest request, IServiceProvider services)
    {
        Amount("amount", request.Amount, allowZero: false);
        RequestRules.MaxLength("description", request.Description, MaxDescriptionLength);
    }

    public void Validate(TransferRequest request, IServiceProvider services)
    {
        ProjectId("to_project_id", RequestRules.RequiredString("to_project_id", request.ToProjectId, 64));
        Amount("amount", request.Amount, allowZero: false);
        RequestRules.MaxLength("description", request.Description, MaxDescriptionLength);
    }

    public void Validate(ReserveCreditRequest request, IServiceProvider services)
    {
        ProjectId("project_id", RequestRules.RequiredString("project_id", request.ProjectId, 64));
        Amount("amount", request.Amount, allowZero: false);
        RequestRules.MaxLength("description", request.Description, MaxDescriptionLength);
        RequestRules.MaxLength("resource_type", request.ResourceType, 64);
        RequestRules.MaxLength("resource_id", request.ResourceId, 256);
        if (request.TtlSeconds is < 1 or > WalletsApi.MaxTtlSeconds)
        {
            throw ApiErrorException.Validation("ttl_seconds", $"ttl_seconds must be between 1 and {WalletsApi.MaxTtlSeconds}; got {request.TtlSeconds}.");
        }
    }

    public void Validate(CommitReservationRequest request, IServiceProvider services)
    {
        Amount("actual_amount", request.ActualAmount, allowZero: true);
        RequestRules.MaxLength("resource_id", request.ResourceId, 256);
    }

    public void Validate(ReleaseReservationRequest request, IServiceProvider services) => RequestRules.MaxLength("reason", request.Reason, MaxDescriptionLength);

    public void Validate(CreateTenantRequest request, IServiceProvider services)
    {
        RequestRules.RequiredString("name", request.Name, 128);
        Amount("initialCredit", request.InitialCredit, allowZero: true);
    }

    public void Validate(GrantCreditRequest request, IServiceProvider services)
    {
        Amount("amount", request.Amount, allowZero: false);
        if (request.ProjectId is not null) ProjectId("project_id", request.ProjectId);
        RequestRules.MaxLength("description", request.Description, MaxDescriptionLength);
    }

    /// <summary>A money field: positive (or zero when allowed), at most <see cref="Money.Max"/> and <see cref="Money.Decimals"/> decimal places.</summary>
    public static void Amount(string field, decimal? value, bool allowZero)
    {
        if (value is not { } amount) return;
        if (amount < 0 || (!allowZero && amount == 0) || amount > Money.Max)
        {
            throw ApiErrorException.Validation(field, $"{field} must be {(allowZero ? "zero or more" : "more than zero")} and at most {Money.Max:0}; got {amount}.");
        }

        if (decimal.Round(amount, Money.Decimals) != amount) throw ApiErrorException.Validation(field, $"{field} may have at most {Money.Decimals} decimal places; got {amount}.");
    }

    /// <summary>A project id: 1 to 64 letters, digits, '.', '_' or '-'.</summary>
    public static string ProjectId(string field, string projectId) =>
        WalletKeys.IsValidProjectId(projectId) ? projectId
            : throw ApiErrorException.Validation(field, $"{field} must be 1 to 64 letters, digits, '.', '_' or '-'; got '{(projectId.Length > 40 ? projectId[..40] + "…" : projectId)}'.");
}
