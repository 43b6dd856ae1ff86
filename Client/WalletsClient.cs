using System.Globalization;
using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Wallets;

namespace Arbitrage.Orleans.Client;

/// <summary>The caller's tenant's project wallets (the CreditService face, <c>/api/v1/wallets</c>).</summary>
public sealed class WalletsClient
{
    private readonly ApiTransport _api;

    internal WalletsClient(ApiTransport api) => _api = api;

    /// <summary>Creates a project wallet (an initial balance only with an operator token).</summary>
    public async Task<Wallet> CreateAsync(CreateWalletRequest request, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Post, "/api/v1/wallets", ApiTransport.Json(request, SnakeCaseJsonContext.Default.CreateWalletRequest),
            SnakeCaseJsonContext.Default.EnvelopeWallet, cancellationToken)).Data;

    /// <summary>Balance, reserved and available credit.</summary>
    public async Task<Wallet> GetAsync(string projectId, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get, Path(projectId), null, SnakeCaseJsonContext.Default.EnvelopeWallet, cancellationToken)).Data;

    /// <summary>Adds credit (operators only).</summary>
    public async Task<Wallet> TopUpAsync(string projectId, TopUpRequest request, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Post, Path(projectId) + "/topup", ApiTransport.Json(request, SnakeCaseJsonContext.Default.TopUpRequest),
            SnakeCaseJsonContext.Default.EnvelopeWallet, cancellationToken)).Data;

    /// <summary>Moves credit to another wallet of the tenant.</summary>
    public async Task<Transfer> TransferAsync(string projectId, TransferRequest request, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Post, Path(projectId) + "/transfer", ApiTransport.Json(request, SnakeCaseJsonContext.Default.TransferRequest),
            SnakeCaseJsonContext.Default.EnvelopeTransfer, cancellationToken)).Data;

    /// <summary>One page of transactions, oldest first, after <paramref name="cursor"/> (a previous page's <c>next_cursor</c>; null for the first).</summary>
    public async Task<TransactionPage> GetTransactionsPageAsync(string projectId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get,
            ApiTransport.Query(Path(projectId) + "/transactions", ("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)),
            null, SnakeCaseJsonContext.Default.EnvelopeTransactionPage, cancellationToken)).Data;

    /// <summary>Every transaction of the wallet, oldest first, following the cursors (<paramref name="pageSize"/> a page, 1 to 200).</summary>
    public IAsyncEnumerable<WalletTransaction> ListTransactionsAsync(string projectId, int? pageSize = null, CancellationToken cancellationToken = default) =>
        ApiTransport.CursorPagesAsync((cursor, ct) => GetTransactionsPageAsync(projectId, cursor, pageSize, ct), p => p.Transactions, p => p.NextCursor, cancellationToken);

    /// <summary>
    /// One page of the wallet's reservations, newest first (every active one and the most recently ended), of
    /// <paramref name="status"/> (active, committed, released, expired) when given, after <paramref name="cursor"/>
    /// (a previous page's <c>next_cursor</c>; null for the first).
    /// </summary>
    public async Task<ReservationPage> GetReservationsPageAsync(
        string projectId, string? status = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get,
            ApiTransport.Query(Path(projectId) + "/reservations", ("status", status), ("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)),
            null, SnakeCaseJsonContext.Default.EnvelopeReservationPage, cancellationToken)).Data;

    /// <summary>The wallet's reservations, newest first, following the cursors (<paramref name="pageSize"/> a page, 1 to 200).</summary>
    public IAsyncEnumerable<Reservation> ListReservationsAsync(string projectId, string? status = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        ApiTransport.CursorPagesAsync((cursor, ct) => GetReservationsPageAsync(projectId, status, cursor, pageSize, ct), p => p.Reservations, p => p.NextCursor, cancellationToken);

    private static string Path(string projectId) => "/api/v1/wallets/" + ApiTransport.Segment(projectId);
}
