using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Tenancy;
using Arbitrage.Orleans.Grains.Wallets;
using Orleans;

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
        var wallets = routes.MapGroup("/api/v1/wallets").WithTags("Wallets");
        wallets.MapPost("", CreateAsync).WithName("CreateWallet")
            .WithSummary("Creates a project wallet; only an operator token may give it an initial balance (credit is created by operators only)")
            .Produces(StatusCodes.Status201Created).RequirePermission(Permissions.WalletsManage);
        wallets.MapGet("/{projectId}", GetAsync).WithName("GetWallet").WithSummary("Balance, reserved and available credit").RequirePermission(Permissions.WalletsRead);
        wallets.MapPost("/{projectId}/topup", TopUpAsync).WithName("TopUpWallet").WithSummary("Adds credit (operators only)").RequirePermission(Permissions.TenantsManage);
        wallets.MapPost("/{projectId}/transfer", TransferAsync).WithName("TransferCredit")
            .WithSummary("Moves credit to another wallet of the tenant (journaled on both sides; never creates money)").RequirePermission(Permissions.WalletsManage);
        wallets.MapGet("/{projectId}/transactions", TransactionsAsync).WithName("ListWalletTransactions")
            .WithSummary("Every change of the balance, oldest first, paginated (limit, cursor)").RequirePermission(Permissions.WalletsRead);

        var reservations = routes.MapGroup("/api/v1/reservations").WithTags("Reservations");
        reservations.MapPost("", ReserveAsync).WithName("ReserveCredit").WithSummary("Holds credit for a resource until commit, release or ttl_seconds")
            .Produces(StatusCodes.Status201Created).RequirePermission(Permissions.WalletsManage);
        reservations.MapGet("/{reservationId}", GetReservationAsync).WithName("GetReservation").WithSummary("A reservation and its status").RequirePermission(Permissions.WalletsRead);
        reservations.MapPost("/{reservationId}/commit", CommitAsync).WithName("CommitReservation")
            .WithSummary("Charges actual_amount in full, also above the reserved amount or after the reservation expired; the rest returns to available").RequirePermission(Permissions.WalletsManage);
        reservations.MapPost("/{reservationId}/release", ReleaseAsync).WithName("ReleaseReservation").WithSummary("Returns the reserved credit").RequirePermission(Permissions.WalletsManage);
        return routes;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string projectId = ProjectId(body.RequiredString("project_id", 64), "project_id");
        string? orgId = body.String("org_id", 128);
        decimal initial = ReadAmount(body, "initial_balance", allowZero: true) ?? 0;
        if (initial > 0 && !context.Grant().Allows(Permissions.TenantsManage))
        {
            throw new ApiErrorException(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden,
                "Only an operator creates credit: create the wallet with initial_balance 0, and an operator grants it credit (POST /v1/tenants/{tenantId}/credit).",
                new Dictionary<string, object?> { ["field"] = "initial_balance" });
        }

        var wallet = await Wallet(grains, context, projectId).Create(new CreateWallet(context.Grant().TenantId, orgId, initial));
        return Envelope(context, WalletData(wallet), StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(string projectId, HttpContext context, IGrainFactory grains) =>
        Envelope(context, WalletData(await Wallet(grains, context, ProjectId(projectId, "project_id")).Get() ?? throw WalletMissing(projectId)));

    private static async Task<IResult> TopUpAsync(string projectId, HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        decimal amount = ReadAmount(body, "amount", allowZero: false) ?? throw ApiErrorException.Validation("amount", "amount is required.");
        var wallet = await Wallet(grains, context, ProjectId(projectId, "project_id")).TopUp(amount, body.String("description", 512));
        return Envelope(context, WalletData(wallet));
    }

    private static async Task<IResult> TransferAsync(string projectId, HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string from = ProjectId(projectId, "project_id");
        string to = ProjectId(body.RequiredString("to_project_id", 64), "to_project_id");
        decimal amount = ReadAmount(body, "amount", allowZero: false) ?? throw ApiErrorException.Validation("amount", "amount is required.");
        if (to == from) throw ApiErrorException.Validation("to_project_id", "to_project_id must name another wallet than the one transferring.");
        // Both wallets must exist before anything moves: a refused transfer changes neither.
        if (await Wallet(grains, context, to).Get() is null)
        {
            throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.WalletNotFound, $"Wallet '{to}' does not exist.", new Dictionary<string, object?> { ["field"] = "to_project_id" });
        }

        var transfer = await Wallet(grains, context, from).Transfer(new TransferCredit(TokenSecrets.NewId("trf-"), to, amount, body.String("description", 512)));
        return Envelope(context, new
        {
            id = transfer.Id, from_project_id = transfer.FromProjectId, to_project_id = transfer.ToProjectId, amount = transfer.Amount, status = transfer.Status, created_at = transfer.At,
        });
    }

    private static async Task<IResult> TransactionsAsync(string projectId, HttpContext context, IGrainFactory grains)
    {
        int limit = PricingApi.QueryInt(context, "limit", DefaultTransactionLimit, 1, 200);
        string? cursor = context.Request.Query["cursor"];
        long after = 0;
        if (!string.IsNullOrEmpty(cursor) && !(cursor.StartsWith("txn-", StringComparison.Ordinal) && long.TryParse(cursor[4..], out after) && after >= 0))
        {
            throw ApiErrorException.Validation("cursor", $"cursor '{cursor}' was not issued by this API; pass the next_cursor of a previous page.");
        }

        var page = await Wallet(grains, context, ProjectId(projectId, "project_id")).Transactions(after, limit);
        return Envelope(context, new
        {
            transactions = page.Transactions.Select(t => new
            {
                id = t.Id, project_id = t.ProjectId, amount = t.Amount, type = t.Type, description = t.Description, resource_id = t.ResourceId,
                reservation_id = t.ReservationId, balance_after = t.BalanceAfter, timestamp = t.Timestamp,
            }),
            next_cursor = page.NextAfter is { } next ? $"txn-{next}" : null,
        });
    }

    private static async Task<IResult> ReserveAsync(HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string projectId = ProjectId(body.RequiredString("project_id", 64), "project_id");
        decimal amount = ReadAmount(body, "amount", allowZero: false) ?? throw ApiErrorException.Validation("amount", "amount is required.");
        int ttl = body.Int("ttl_seconds", 1, MaxTtlSeconds) ?? 3600;
        var reservation = await Wallet(grains, context, projectId).Reserve(new ReserveCredit(
            amount, body.String("description", 512), body.String("resource_type", 64), body.String("resource_id", 256), TimeSpan.FromSeconds(ttl)));
        return Envelope(context, ReservationData(reservation), StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetReservationAsync(string reservationId, HttpContext context, IGrainFactory grains) =>
        Envelope(context, ReservationData(await ReservationWallet(grains, context, reservationId).GetReservation(reservationId) ?? throw ReservationMissing(reservationId)));

    private static async Task<IResult> CommitAsync(string reservationId, HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        decimal actual = ReadAmount(body, "actual_amount", allowZero: true) ?? throw ApiErrorException.Validation("actual_amount", "actual_amount is required.");
        var reservation = await ReservationWallet(grains, context, reservationId).Commit(reservationId, actual, body.String("resource_id", 256));
        return Envelope(context, ReservationData(reservation));
    }

    private static async Task<IResult> ReleaseAsync(string reservationId, HttpContext context, IGrainFactory grains)
    {
        var body = context.Request.ContentLength is 0 or null && !context.Request.Headers.ContainsKey("Transfer-Encoding")
            ? null
            : await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var reservation = await ReservationWallet(grains, context, reservationId).Release(reservationId, body?.String("reason", 512));
        return Envelope(context, ReservationData(reservation));
    }

    /// <summary>A money field: decimal, positive (or zero when allowed), at most 1e9 and six decimal places.</summary>
    public static decimal? ReadAmount(JsonBody body, string field, bool allowZero)
    {
        if (body.Decimal(field) is not { } amount) return null;
        if (amount < 0 || (!allowZero && amount == 0) || amount > Money.Max)
        {
            throw ApiErrorException.Validation(field, $"{field} must be {(allowZero ? "zero or more" : "more than zero")} and at most {Money.Max:0}; got {amount}.");
        }

        if (decimal.Round(amount, Money.Decimals) != amount) throw ApiErrorException.Validation(field, $"{field} may have at most {Money.Decimals} decimal places; got {amount}.");
        return amount;
    }

    internal static string ProjectId(string projectId, string field) =>
        WalletKeys.IsValidProjectId(projectId) ? projectId
            : throw ApiErrorException.Validation(field, $"{field} must be 1 to 64 letters, digits, '.', '_' or '-'; got '{(projectId.Length > 40 ? projectId[..40] + "…" : projectId)}'.");

    private static IWalletGrain Wallet(IGrainFactory grains, HttpContext context, string projectId) =>
        grains.GetGrain<IWalletGrain>(WalletKeys.Of(context.Grant().TenantId, projectId));

    private static IWalletGrain ReservationWallet(IGrainFactory grains, HttpContext context, string reservationId) =>
        WalletKeys.ProjectOfReservation(reservationId) is { } projectId && WalletKeys.IsValidProjectId(projectId)
            ? Wallet(grains, context, projectId)
            : throw ReservationMissing(reservationId);

    private static ApiErrorException WalletMissing(string projectId) => ApiErrorException.NotFound(ErrorCodes.WalletNotFound, $"Wallet '{projectId}' does not exist.");

    private static ApiErrorException ReservationMissing(string reservationId) =>
        ApiErrorException.NotFound(ErrorCodes.NotFound, $"Reservation '{(reservationId.Length > 80 ? reservationId[..80] + "…" : reservationId)}' does not exist.");

    internal static object WalletData(WalletInfo w) => new
    {
        project_id = w.ProjectId, org_id = w.OrgId, balance = w.Balance, reserved = w.Reserved, available = w.Available, currency = w.Currency, status = w.Status, created_at = w.CreatedAt,
    };

    private static object ReservationData(ReservationInfo r) => new
    {
        id = r.Id, project_id = r.ProjectId, amount = r.Amount, status = r.Status, description = r.Description, resource_type = r.ResourceType, resource_id = r.ResourceId,
        created_at = r.CreatedAt, expires_at = r.ExpiresAt, committed_amount = r.CommittedAmount, closed_at = r.ClosedAt, close_reason = r.CloseReason,
        overdraft_exceeded = r.OverdraftExceeded,
    };

    /// <summary>Seed 003's envelope: <c>{"data": ..., "meta": {"request_id", "timestamp"}}</c>.</summary>
    internal static IResult Envelope(HttpContext context, object data, int status = StatusCodes.Status200OK) =>
        Results.Json(new { data, meta = new { request_id = context.TraceIdentifier, timestamp = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() } },
            ApiJson.SnakeCase, statusCode: status);
}
