using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Wallets;

/// <summary>The wallet grain on PostgreSQL across a silo restart: reservations live in its journal and come back with it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WalletGrainTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task Active_and_recently_closed_reservations_survive_a_restart_of_the_silo()
    {
        var database = await postgres.CreateDatabaseAsync();
        var builder = new TestClusterBuilder().UsePostgres(database).ConfigureServices(s => s.AddSingleton(new Probe())).AddGrain(typeof(WalletGrain));
        const string key = "tenant-1/proj-1";
        string first, second;
        await using (var cluster = await builder.StartAsync())
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            await wallet.Create(new CreateWallet("tenant-1", null, 10m));
            first = (await wallet.Reserve(new ReserveCredit(3m, "a", "vm", "vm-1", TimeSpan.FromHours(1)))).Id;
            second = (await wallet.Reserve(new ReserveCredit(2m, "b", "vm", "vm-2", TimeSpan.FromHours(1)))).Id;
            await wallet.Commit(second, 1.5m, "vm-2");
        }

        await using (var cluster = await builder.StartAsync())
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
}
