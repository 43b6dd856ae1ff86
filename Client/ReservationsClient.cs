using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Wallets;

namespace Arbitrage.Orleans.Client;

/// <summary>Credit reservations (<c>/api/v1/reservations</c>): hold, commit, release.</summary>
public sealed class ReservationsClient
{
    private readonly ApiTransport _api;

    internal ReservationsClient(ApiTransport api) => _api = api;

    /// <summary>Holds credit for a resource until commit, release or its ttl.</summary>
    public async Task<Reservation> ReserveAsync(ReserveCreditRequest request, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Post, "/api/v1/reservations", ApiTransport.Json(request, SnakeCaseJsonContext.Default.ReserveCreditRequest),
            SnakeCaseJsonContext.Default.EnvelopeReservation, cancellationToken)).Data;

    public async Task<Reservation> GetAsync(string reservationId, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get, Path(reservationId), null, SnakeCaseJsonContext.Default.EnvelopeReservation, cancellationToken)).Data;

    /// <summary>Charges the actual amount in full; the rest returns to available.</summary>
    public async Task<Reservation> CommitAsync(string reservationId, CommitReservationRequest request, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Post, Path(reservationId) + "/commit", ApiTransport.Json(request, SnakeCaseJsonContext.Default.CommitReservationRequest),
            SnakeCaseJsonContext.Default.EnvelopeReservation, cancellationToken)).Data;

    /// <summary>Returns the reserved credit.</summary>
    public async Task<Reservation> ReleaseAsync(string reservationId, ReleaseReservationRequest? request = null, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Post, Path(reservationId) + "/release",
            ApiTransport.Json(request ?? new ReleaseReservationRequest(), SnakeCaseJsonContext.Default.ReleaseReservationRequest),
            SnakeCaseJsonContext.Default.EnvelopeReservation, cancellationToken)).Data;

    private static string Path(string reservationId) => "/api/v1/reservations/" + ApiTransport.Segment(reservationId);
}
