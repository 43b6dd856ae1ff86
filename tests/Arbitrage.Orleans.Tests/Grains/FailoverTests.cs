using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Grains;

/// <summary>Losing a silo: membership on PostgreSQL declares it dead and its grains answer from the survivor with their last written state.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task Wallets_of_a_killed_silo_answer_from_the_survivor_with_their_state()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProductSilos.StartAsync(silos: 2, connectionString: database);
        var keys = Enumerable.Range(0, 40).Select(i => WalletKeys.Of("t", $"p{i}")).ToList();
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            await wallet.Create(new CreateWallet("t", null, 10m));
            await wallet.Reserve(new ReserveCredit(i % 5 + 1, null, "vm", $"vm-{i}", TimeSpan.FromHours(1)));
        }

        await cluster.KillSiloAsync(cluster.SecondarySilos[0]);

        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            WalletInfo? info = null;
            await Eventually.TrueAsync(async () => (info = await cluster.GrainFactory.GetGrain<IWalletGrain>(key).Get()) is not null, TimeSpan.FromSeconds(60), $"{key} answers");
            Assert.Equal(10m, info!.Balance);
            Assert.Equal(i % 5 + 1, info.Reserved);
        }
    }
}
