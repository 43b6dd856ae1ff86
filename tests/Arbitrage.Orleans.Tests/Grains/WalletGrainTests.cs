using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Tests.Infrastructure;
using Orleans.Storage;

namespace Arbitrage.Orleans.Tests.Grains;

/// <summary>
/// The wallet grain on Orleans with PostgreSQL underneath: one call at a time per wallet, reservations that come back
/// after a restart, expiry by durable reminder, and a stale duplicate activation that can never overwrite or charge twice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WalletGrainTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Active_and_recently_closed_reservations_survive_a_restart_of_the_cluster()
    {
        var database = await postgres.CreateDatabaseAsync();
        const string key = "tenant-1/proj-1";
        string first, second;
        await using (var cluster = await ProductSilos.StartAsync(connectionString: database))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            await wallet.Create(new CreateWallet("tenant-1", null, 10m));
            first = (await wallet.Reserve(new ReserveCredit(3m, "a", "vm", "vm-1", TimeSpan.FromHours(1)))).Id;
            second = (await wallet.Reserve(new ReserveCredit(2m, "b", "vm", "vm-2", TimeSpan.FromHours(1)))).Id;
            await wallet.Commit(second, 1.5m, "vm-2");
        }

        await using (var cluster = await ProductSilos.StartAsync(connectionString: database))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            var info = (await wallet.Get())!;
            Assert.Equal(8.5m, info.Balance);
            Assert.Equal(3m, info.Reserved);
            Assert.Equal(5.5m, info.Available);
            Assert.Equal(ReservationStatus.Active, (await wallet.GetReservation(first))!.Status);
            await Assert.ThrowsAsync<ReservationStateException>(() => wallet.Commit(second, 1m, null));

            await wallet.Commit(first, 3m, null);
            info = (await wallet.Get())!;
            Assert.Equal(5.5m, info.Balance);
            Assert.Equal(0m, info.Reserved);
            var transactions = await wallet.Transactions(0, 100);
            Assert.Equal(["deposit", "charge", "charge"], transactions.Transactions.Select(t => t.Type));
            Assert.Equal(info.Balance, transactions.Transactions.Sum(t => t.Amount));
        }
    }

    [Fact]
    public async Task The_wallets_reservations_are_listed_newest_first_after_a_restart_also_when_none_is_active()
    {
        var database = await postgres.CreateDatabaseAsync();
        const string key = "tenant-1/listed";
        var ids = new List<string>();
        await using (var cluster = await ProductSilos.StartAsync(connectionString: database))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            await wallet.Create(new CreateWallet("tenant-1", null, 10m));
            foreach (var name in new[] { "a", "b", "c" }) ids.Add((await wallet.Reserve(new ReserveCredit(1m, name, "vm", $"vm-{name}", TimeSpan.FromHours(1)))).Id);
            await wallet.Commit(ids[0], 0.5m, null);
            await wallet.Release(ids[1], "not needed");
        }

        await using (var cluster = await ProductSilos.StartAsync(connectionString: database))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            var page = await wallet.Reservations(null, 0, 10);
            Assert.Equal([ids[2], ids[1], ids[0]], page.Reservations.Select(r => r.Id));
            Assert.Equal([ReservationStatus.Active, ReservationStatus.Released, ReservationStatus.Committed], page.Reservations.Select(r => r.Status));
            Assert.Null(page.NextBefore);
            await wallet.Commit(ids[2], 1m, null);
        }

        await using (var cluster = await ProductSilos.StartAsync(connectionString: database))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            var first = await wallet.Reservations(null, 0, 2);
            Assert.Equal([ids[2], ids[1]], first.Reservations.Select(r => r.Id));
            var rest = await wallet.Reservations(null, first.NextBefore!.Value, 2);
            Assert.Equal([ids[0]], rest.Reservations.Select(r => r.Id));
            Assert.Null(rest.NextBefore);
            Assert.Equal([ids[2], ids[0]], (await wallet.Reservations(ReservationStatus.Committed, 0, 10)).Reservations.Select(r => r.Id));
            Assert.Empty((await wallet.Reservations(ReservationStatus.Active, 0, 10)).Reservations);
        }
    }

    [Fact]
    public async Task Concurrent_reservations_are_taken_one_turn_at_a_time_and_never_overdraw()
    {
        await using var cluster = await ProductSilos.StartAsync();
        var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>("t/turns");
        await wallet.Create(new CreateWallet("t", null, 50m));

        var attempts = Enumerable.Range(0, 100).Select(async i =>
        {
            try
            {
                await wallet.Reserve(new ReserveCredit(1m, null, "vm", $"vm-{i}", TimeSpan.FromHours(1)));
                return true;
            }
            catch (InsufficientCreditException)
            {
                return false;
            }
        });
        var outcomes = await Task.WhenAll(attempts);

        Assert.Equal(50, outcomes.Count(ok => ok));
        var info = (await wallet.Get())!;
        Assert.Equal(50m, info.Reserved);
        Assert.Equal(0m, info.Available);
        Assert.Equal(50m, info.Balance);
    }

    [Fact]
    public async Task An_expired_reservation_is_released_by_its_durable_reminder_on_postgres()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProductSilos.StartAsync(connectionString: database);
        var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>("t/expiry");
        await wallet.Create(new CreateWallet("t", null, 5m));
        var reservation = await wallet.Reserve(new ReserveCredit(2m, "short", "vm", "vm-1", TimeSpan.FromSeconds(2)));

        await Eventually.TrueAsync(async () => (await wallet.GetReservation(reservation.Id))?.Status == ReservationStatus.Expired, Generous);

        var info = (await wallet.Get())!;
        Assert.Equal(0m, info.Reserved);
        Assert.Equal(5m, info.Available);
        Assert.Equal(5m, info.Balance);
    }

    [Fact]
    public async Task A_stale_duplicate_activation_cannot_overwrite_and_nothing_is_charged_twice()
    {
        var database = await postgres.CreateDatabaseAsync();
        // Two clusters that do not know of each other on one database: each activates the same wallet, the way a
        // duplicate activation briefly exists after a partition.
        await using var a = await ProductSilos.StartAsync(connectionString: database);
        await using var b = await ProductSilos.StartAsync(connectionString: database);
        var inA = a.GrainFactory.GetGrain<IWalletGrain>("t/dup");
        var inB = b.GrainFactory.GetGrain<IWalletGrain>("t/dup");
        await inA.Create(new CreateWallet("t", null, 10m));
        Assert.Equal(10m, (await inB.Get())!.Balance); // B activates and reads the state A wrote

        var held = await inA.Reserve(new ReserveCredit(4m, null, "vm", "vm-1", TimeSpan.FromHours(1)));
        await inA.Commit(held.Id, 4m, "vm-1"); // A charges 4: its writes move the etag on

        // B still holds the old state: its write is refused, not applied over A's.
        await Assert.ThrowsAsync<InconsistentStateException>(() => inB.Reserve(new ReserveCredit(9m, null, "vm", "vm-2", TimeSpan.FromHours(1))));

        // B's activation started again from storage: it sees A's charge once, and refuses what A's charge made impossible.
        await Eventually.TrueAsync(async () => (await inB.Get())!.Balance == 6m, Generous);
        await Assert.ThrowsAsync<InsufficientCreditException>(() => inB.Reserve(new ReserveCredit(9m, null, "vm", "vm-2", TimeSpan.FromHours(1))));
        var transactions = await inB.Transactions(0, 100);
        Assert.Equal([10m, -4m], transactions.Transactions.Select(t => t.Amount));
    }
}
