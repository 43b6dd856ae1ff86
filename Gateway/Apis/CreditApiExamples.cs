using Arbitrage.Orleans.Contracts.Tenants;
using CreatedTenant = Arbitrage.Orleans.Contracts.Tenants.CreatedTenant;
using Arbitrage.Orleans.Contracts.Wallets;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>The examples the OpenAPI document shows beside the credit records (wallets, reservations, tenants), by type.</summary>
public static class CreditApiExamples
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly EnvelopeMeta Meta = new("req-0123456789abcdef", At);

    public static Wallet Wallet { get; } = new("team-a", "org-123", 120.5m, 20m, 100.5m, "USD", "active", At);

    public static Transfer Transfer { get; } = new("trf-5f2c9a1e7b", "team-a", "team-b", 25m, "pending", At);

    public static TransactionPage Transactions { get; } = new(
        [
            new WalletTransaction("txn-1", "team-a", 150m, "deposit", "Credit granted by operator token tok-ops", null, null, 150m, At),
            new WalletTransaction("txn-2", "team-a", -29.5m, "charge", "wk-3f9a12 on aws us-east-1", "wk-3f9a12", "rsv-0123456789abcdef-team-a", 120.5m, At.AddHours(3)),
        ],
        "txn-2");

    public static Reservation Reservation { get; } = new(
        "rsv-0123456789abcdef-team-a", "team-a", 20m, "active", "GPU training run", "workload", "wk-3f9a12", At, At.AddHours(1), null, null, null, false);

    public static ReservationPage Reservations { get; } = new(
        [
            Reservation,
            new Reservation("rsv-89abcdef01234567-team-a", "team-a", 15m, "committed", "Nightly batch", "workload", "wk-1b7e40",
                At.AddHours(-6), At.AddHours(-5), 12.75m, At.AddHours(-5.5), null, false),
        ],
        "hold-7");

    public static IReadOnlyDictionary<Type, object> ByType { get; } = new Dictionary<Type, object>
    {
        [typeof(Wallet)] = Wallet,
        [typeof(Envelope<Wallet>)] = new Envelope<Wallet>(Wallet, Meta),
        [typeof(Transfer)] = Transfer,
        [typeof(Envelope<Transfer>)] = new Envelope<Transfer>(Transfer, Meta),
        [typeof(TransactionPage)] = Transactions,
        [typeof(Envelope<TransactionPage>)] = new Envelope<TransactionPage>(Transactions, Meta),
        [typeof(Reservation)] = Reservation,
        [typeof(Envelope<Reservation>)] = new Envelope<Reservation>(Reservation, Meta),
        [typeof(ReservationPage)] = Reservations,
        [typeof(Envelope<ReservationPage>)] = new Envelope<ReservationPage>(Reservations, Meta),
        [typeof(EnvelopeMeta)] = Meta,
        [typeof(CreateWalletRequest)] = new CreateWalletRequest("team-b", "org-123", 0m),
        [typeof(TopUpRequest)] = new TopUpRequest(50m, "Quarterly budget"),
        [typeof(TransferRequest)] = new TransferRequest("team-b", 25m, "Share of the GPU budget"),
        [typeof(ReserveCreditRequest)] = new ReserveCreditRequest("team-a", 20m, "GPU training run", "workload", "wk-3f9a12", 3600),
        [typeof(CommitReservationRequest)] = new CommitReservationRequest(18.25m, "wk-3f9a12"),
        [typeof(ReleaseReservationRequest)] = new ReleaseReservationRequest("The run was cancelled"),
        [typeof(CreateTenantRequest)] = new CreateTenantRequest("Acme Research", 500m),
        [typeof(CreatedTenant)] = new CreatedTenant("tn-7c1d2e", "Acme Research", "arb_…", "tok-4b5c6d", At),
        [typeof(GrantCreditRequest)] = new GrantCreditRequest(100m, "team-a", "Pilot credit"),
    };
}
