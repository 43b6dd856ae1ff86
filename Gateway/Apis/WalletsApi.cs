using Arbitrage.Orleans.Contracts.Wallets;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Tenancy;
using Arbitrage.Orleans.Grains.Wallets;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;
using ReservationPage = Arbitrage.Orleans.Contracts.Wallets.ReservationPage;
using TransactionPage = Arbitrage.Orleans.Contracts.Wallets.TransactionPage;
using WalletTransaction = Arbitrage.Orleans.Contracts.Wallets.WalletTransaction;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The CreditService face (seed 003): wallets and credit reservations of the caller's tenant, in snake_case inside
/// the <c>{data, meta}</c> envelope. Money is decimal USD with at most six decimal places.
/// </summary>
public static class WalletsApi
{
    public const int DefaultTransactionLimit = 50;
    public const int MaxTtlSeconds = 30 * 24 * 3600;

    public static IEndpointRouteBuilder MapWalletsApi(this IEndpointRouteBuilder routes)
    {
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict, TooLarge = StatusCodes.Status413PayloadTooLarge;
        var wallets = routes.MapGroup("/api/v1/wallets").WithTags("Wallets");
        wallets.MapPost("", CreateAsync).WithName("CreateWallet")
            .WithSummary("Creates a project wallet; only an operator token may give it an initial balance (credit is created by operators only)")
            .Accepts<CreateWalletRequest>("application/json").ProducesApiErrors(BadRequest, Conflict, TooLarge).RequirePermission(Permissions.WalletsManage);
        wallets.MapGet("/{projectId}", GetAsync).WithName("GetWallet").WithSummary("Balance, reserved and available credit")
            .ProducesApiErrors(BadRequest, NotFound).RequirePermission(Permissions.WalletsRead);
        wallets.MapPost("/{projectId}/topup", TopUpAsync).WithName("TopUpWallet").WithSummary("Adds credit (operators only)")
            .Accepts<TopUpRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, TooLarge).RequirePermission(Permissions.TenantsManage);
        wallets.MapPost("/{projectId}/transfer", TransferAsync).WithName("TransferCredit")
            .WithSummary("Moves credit to another wallet of the tenant (journaled on both sides; never creates money)")
            .Accepts<TransferRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge).RequirePermission(Permissions.WalletsManage);
        wallets.MapGet("/{projectId}/transactions", TransactionsAsync).WithName("ListWalletTransactions")
            .WithSummary("Every change of the balance, oldest first, paginated (limit, cursor)").ProducesApiErrors(BadRequest, NotFound).RequirePermission(Permissions.WalletsRead);
        wallets.MapGet("/{projectId}/reservations", ReservationsAsync).WithName("ListWalletReservations")
            .WithSummary($"The wallet's reservations, newest first, filtered by status (active, committed, released, expired), paginated (limit, cursor): every active one and the newest {Arbitrage.Orleans.Grains.Wallets.ReservationPage.EndedKept} that ended (older ended ones are no longer listed)")
            .ProducesApiErrors(BadRequest, NotFound).RequirePermission(Permissions.WalletsRead);

        var reservations = routes.MapGroup("/api/v1/reservations").WithTags("Reservations");
        reservations.MapPost("", ReserveAsync).WithName("ReserveCredit").WithSummary("Holds credit for a resource until commit, release or ttl_seconds")
            .Accepts<ReserveCreditRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge).RequirePermission(Permissions.WalletsManage);
        reservations.MapGet("/{reservationId}", GetReservationAsync).WithName("GetReservation").WithSummary("A reservation and its status")
            .ProducesApiErrors(NotFound).RequirePermission(Permissions.WalletsRead);
        reservations.MapPost("/{reservationId}/commit", CommitAsync).WithName("CommitReservation")
            .WithSummary("Charges actual_amount in full, also above the reserved amount or after the reservation expired; the rest returns to available")
            .Accepts<CommitReservationRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge).RequirePermission(Permissions.WalletsManage);
        reservations.MapPost("/{reservationId}/release", ReleaseAsync).WithName("ReleaseReservation").WithSummary("Returns the reserved credit (the body, with a reason, is optional)")
            .Accepts<ReleaseReservationRequest>(isOptional: true, "application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge).RequirePermission(Permissions.WalletsManage);
        return routes;
    }

    private static async Task<Created<Envelope<Wallet>>> CreateAsync(RequestBody<CreateWalletRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        decimal initial = request.InitialBalance ?? 0;
        if (initial > 0 && !context.Grant().Allows(Permissions.TenantsManage))
        {
            throw new ApiErrorException(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden,
                "Only an operator creates credit: create the wallet with initial_balance 0, and an operator grants it credit (POST /v1/tenants/{tenantId}/credit).",
                new Dictionary<string, object?> { ["field"] = "initial_balance" });
        }

        var wallet = await Wallet(grains, context, request.ProjectId).Create(new CreateWallet(context.Grant().TenantId, request.OrgId, initial));
        return TypedResults.Created((string?)null, InEnvelope(context, ToContract(wallet)));
    }

    private static async Task<Ok<Envelope<Wallet>>> GetAsync(string projectId, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(InEnvelope(context, ToContract(await Wallet(grains, context, ProjectId(projectId, "project_id")).Get() ?? throw WalletMissing(projectId))));

    private static async Task<Ok<Envelope<Wallet>>> TopUpAsync(string projectId, RequestBody<TopUpRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        var wallet = await Wallet(grains, context, ProjectId(projectId, "project_id")).TopUp(request.Amount, request.Description);
        return TypedResults.Ok(InEnvelope(context, ToContract(wallet)));
    }

    private static async Task<Ok<Envelope<Transfer>>> TransferAsync(string projectId, RequestBody<TransferRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        string from = ProjectId(projectId, "project_id");
        string to = request.ToProjectId;
        if (to == from) throw ApiErrorException.Validation("to_project_id", "to_project_id must name another wallet than the one transferring.");
        // Both wallets must exist before anything moves: a refused transfer changes neither.
        if (await Wallet(grains, context, to).Get() is null)
        {
            throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.WalletNotFound, $"Wallet '{to}' does not exist.", new Dictionary<string, object?> { ["field"] = "to_project_id" });
        }

        var transfer = await Wallet(grains, context, from).Transfer(new TransferCredit(TokenSecrets.NewId("trf-"), to, request.Amount, request.Description));
        return TypedResults.Ok(InEnvelope(context, new Transfer(transfer.Id, transfer.FromProjectId, transfer.ToProjectId, transfer.Amount, transfer.Status, transfer.At)));
    }

    private static async Task<Ok<Envelope<TransactionPage>>> TransactionsAsync(string projectId, HttpContext context, IGrainFactory grains)
    {
        var (limit, after) = JournalPage(context, "txn-");
        var page = await Wallet(grains, context, ProjectId(projectId, "project_id")).Transactions(after, limit);
        return TypedResults.Ok(InEnvelope(context, new TransactionPage(
            page.Transactions.Select(t => new WalletTransaction(t.Id, t.ProjectId, t.Amount, t.Type, t.Description, t.ResourceId, t.ReservationId, t.BalanceAfter, t.Timestamp)).ToList(),
            page.NextAfter is { } next ? $"txn-{next}" : null)));
    }

    private static async Task<Ok<Envelope<ReservationPage>>> ReservationsAsync(string projectId, HttpContext context, IGrainFactory grains)
    {
        var (limit, before) = JournalPage(context, "hold-");
        string? status = context.Request.Query["status"];
        if (string.IsNullOrEmpty(status)) status = null;
        else if (!ReservationStatus.All.Contains(status))
        {
            throw ApiErrorException.Validation("status", $"status must be one of {string.Join(", ", ReservationStatus.All)}; got '{(status.Length > 40 ? status[..40] + "…" : status)}'.");
        }

        var page = await Wallet(grains, context, ProjectId(projectId, "project_id")).Reservations(status, before, limit);
        return TypedResults.Ok(InEnvelope(context, new ReservationPage(page.Reservations.Select(ToContract).ToList(), page.NextBefore is { } next ? $"hold-{next}" : null)));
    }

    /// <summary>
    /// A page of a list numbered by the wallet's journal: <c>limit</c> (1–200, default 50) and the journal number in a
    /// <c>cursor</c> this API issued (<c>{prefix}{number}</c>; 0 without one).
    /// </summary>
    private static (int Limit, long Position) JournalPage(HttpContext context, string prefix)
    {
        int limit = PricingApi.QueryInt(context, "limit", DefaultTransactionLimit, 1, 200);
        string? cursor = context.Request.Query["cursor"];
        long position = 0;
        if (!string.IsNullOrEmpty(cursor) && !(cursor.StartsWith(prefix, StringComparison.Ordinal) && long.TryParse(cursor[prefix.Length..], out position) && position >= 0))
        {
            throw ApiErrorException.Validation("cursor", $"cursor '{cursor}' was not issued by this API; pass the next_cursor of a previous page.");
        }

        return (limit, position);
    }

    private static async Task<Created<Envelope<Reservation>>> ReserveAsync(RequestBody<ReserveCreditRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        var reservation = await Wallet(grains, context, request.ProjectId).Reserve(new ReserveCredit(
            request.Amount, request.Description, request.ResourceType, request.ResourceId, TimeSpan.FromSeconds(request.TtlSeconds ?? 3600)));
        return TypedResults.Created((string?)null, InEnvelope(context, ToContract(reservation)));
    }

    private static async Task<Ok<Envelope<Reservation>>> GetReservationAsync(string reservationId, HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(InEnvelope(context, ToContract(await ReservationWallet(grains, context, reservationId).GetReservation(reservationId) ?? throw ReservationMissing(reservationId))));

    private static async Task<Ok<Envelope<Reservation>>> CommitAsync(string reservationId, RequestBody<CommitReservationRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        var reservation = await ReservationWallet(grains, context, reservationId).Commit(reservationId, request.ActualAmount, request.ResourceId);
        return TypedResults.Ok(InEnvelope(context, ToContract(reservation)));
    }

    private static async Task<Ok<Envelope<Reservation>>> ReleaseAsync(string reservationId, RequestBody<ReleaseReservationRequest>? body, HttpContext context, IGrainFactory grains)
    {
        var reservation = await ReservationWallet(grains, context, reservationId).Release(reservationId, body?.Value.Reason);
        return TypedResults.Ok(InEnvelope(context, ToContract(reservation)));
    }

    internal static string ProjectId(string projectId, string field) => CreditRequestValidator.ProjectId(field, projectId);

    private static IWalletGrain Wallet(IGrainFactory grains, HttpContext context, string projectId) =>
        grains.GetGrain<IWalletGrain>(WalletKeys.Of(context.Grant().TenantId, projectId));

    private static IWalletGrain ReservationWallet(IGrainFactory grains, HttpContext context, string reservationId) =>
        WalletKeys.ProjectOfReservation(reservationId) is { } projectId && WalletKeys.IsValidProjectId(projectId)
            ? Wallet(grains, context, projectId)
            : throw ReservationMissing(reservationId);

    private static ApiErrorException WalletMissing(string projectId) => ApiErrorException.NotFound(ErrorCodes.WalletNotFound, $"Wallet '{projectId}' does not exist.");

    private static ApiErrorException ReservationMissing(string reservationId) =>
        ApiErrorException.NotFound(ErrorCodes.NotFound, $"Reservation '{(reservationId.Length > 80 ? reservationId[..80] + "…" : reservationId)}' does not exist.");

    internal static Wallet ToContract(WalletInfo w) => new(w.ProjectId, w.OrgId, w.Balance, w.Reserved, w.Available, w.Currency, w.Status, w.CreatedAt);

    private static Reservation ToContract(ReservationInfo r) => new(
        r.Id, r.ProjectId, r.Amount, r.Status, r.Description, r.ResourceType, r.ResourceId, r.CreatedAt, r.ExpiresAt, r.CommittedAmount, r.ClosedAt, r.CloseReason, r.OverdraftExceeded);

    /// <summary>Seed 003's envelope: <c>{"data": ..., "meta": {"request_id", "timestamp"}}</c>.</summary>
    internal static Envelope<T> InEnvelope<T>(HttpContext context, T data) =>
        new(data, new EnvelopeMeta(context.TraceIdentifier, context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()));
}
