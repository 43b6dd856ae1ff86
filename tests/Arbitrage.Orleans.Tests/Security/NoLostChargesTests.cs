using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>
/// No charge is ever lost: a charge beyond its reservation is committed in full, an expired reservation's late commit
/// is charged (also after a restart), reservations may use the configured overdraft but transfers never do, a
/// workload whose wallet reaches its overdraft is stopped saying so, and a long-running workload keeps its reservation
/// renewed and is charged for all its running time. Real silos on PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NoLostChargesTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static CreateWorkload Request(string tenant) => new(tenant,
        new WorkloadSpec("web", new PlacementRequirements(2, 4), new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>()), "fingerprint-1");

    private async Task<global::Orleans.TestingHost.TestCluster> StartAsync(IReadOnlyDictionary<string, string>? settings = null) =>
        await ProductSilos.StartAsync(connectionString: await postgres.CreateDatabaseAsync(), settings: settings);

    [Fact]
    public async Task A_charge_beyond_the_reservation_is_committed_in_full()
    {
        await using var cluster = await StartAsync();
        var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>("t/beyond");
        await wallet.Create(new CreateWallet("t", null, 10m));
        var held = await wallet.Reserve(new ReserveCredit(2m, "vm", "vm", "vm-1", TimeSpan.FromHours(1)));

        var committed = await wallet.Commit(held.Id, 3.5m, "vm-1");

        Assert.Equal((ReservationStatus.Committed, 3.5m, false), (committed.Status, committed.CommittedAmount, committed.OverdraftExceeded));
        var info = (await wallet.Get())!;
        Assert.Equal((6.5m, 0m, 6.5m), (info.Balance, info.Reserved, info.Available));
        var charge = (await wallet.Transactions(0, 100)).Transactions.Last();
        Assert.Equal(("charge", -3.5m, held.Id), (charge.Type, charge.Amount, charge.ReservationId));
    }

    [Fact]
    public async Task An_expired_reservation_committed_late_is_charged_even_after_a_restart_and_only_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        const string key = "t/late";
        ReservationInfo expiring, released;
        await using (var cluster = await ProductSilos.StartAsync(connectionString: database))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            await wallet.Create(new CreateWallet("t", null, 5m));
            expiring = await wallet.Reserve(new ReserveCredit(2m, "batch job", "vm", "vm-1", TimeSpan.FromSeconds(2)));
            released = await wallet.Reserve(new ReserveCredit(1m, "never ran", "vm", "vm-2", TimeSpan.FromHours(1)));
            await wallet.Release(released.Id, "launch failed");
            await Eventually.TrueAsync(async () => (await wallet.GetReservation(expiring.Id))?.Status == ReservationStatus.Expired, Generous, "the reservation expires");
            Assert.Equal(5m, (await wallet.Get())!.Available);
        }

        await using (var cluster = await ProductSilos.StartAsync(connectionString: database))
        {
            var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(key);
            var late = await wallet.Commit(expiring.Id, 1.25m, null);

            Assert.Equal((ReservationStatus.Committed, 1.25m), (late.Status, late.CommittedAmount));
            Assert.Equal(3.75m, (await wallet.Get())!.Balance);
            var charge = (await wallet.Transactions(0, 100)).Transactions.Last();
            Assert.Equal(("charge", -1.25m, expiring.Id, "vm-1"), (charge.Type, charge.Amount, charge.ReservationId, charge.ResourceId));
            Assert.StartsWith("late charge", charge.Description);

            await Assert.ThrowsAsync<ReservationStateException>(() => wallet.Commit(expiring.Id, 1.25m, null));
            var refused = await Record.ExceptionAsync(() => wallet.Commit(released.Id, 1m, null));
            Assert.True(refused is ReservationStateException or WalletNotFoundException, $"a released reservation is not committed ({refused})");
            await Assert.ThrowsAsync<WalletNotFoundException>(() => wallet.Commit(WalletKeys.NewReservationId("late"), 1m, null));
            Assert.Equal(3.75m, (await wallet.Get())!.Balance);
        }
    }

    [Fact]
    public async Task Reservations_may_use_the_overdraft_transfers_never_do_and_a_charge_past_it_is_recorded_and_reported()
    {
        await using var cluster = await StartAsync(new Dictionary<string, string> { ["Wallets:Overdraft"] = "5" });
        var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>("t/od");
        await wallet.Create(new CreateWallet("t", null, 10m));
        await cluster.GrainFactory.GetGrain<IWalletGrain>("t/other").Create(new CreateWallet("t", null, 0m));

        var big = await wallet.Reserve(new ReserveCredit(14m, "big", "vm", "vm-1", TimeSpan.FromHours(1)));
        Assert.Equal(-4m, (await wallet.Get())!.Available);
        await Assert.ThrowsAsync<OverdraftLimitException>(() => wallet.Reserve(new ReserveCredit(1.5m, null, "vm", "vm-2", TimeSpan.FromHours(1))));
        await Assert.ThrowsAsync<OverdraftLimitException>(() => wallet.Transfer(new TransferCredit("trf-1", "other", 1m, null)));

        var small = await wallet.Reserve(new ReserveCredit(1m, "small", "vm", "vm-3", TimeSpan.FromHours(1)));
        Assert.Equal(-5m, (await wallet.Get())!.Available);
        Assert.False((await wallet.Commit(big.Id, 14m, null)).OverdraftExceeded);
        var past = await wallet.Commit(small.Id, 3m, null); // the resource ran longer than reserved: charged in full

        Assert.True(past.OverdraftExceeded, "the commit reports the overdraft passed, so the resource stops");
        var info = (await wallet.Get())!;
        Assert.Equal((-7m, 0m, -7m), (info.Balance, info.Reserved, info.Available));
        Assert.Equal(info.Balance, (await wallet.Transactions(0, 100)).Transactions.Sum(t => t.Amount));
        await Assert.ThrowsAsync<OverdraftLimitException>(() => wallet.Reserve(new ReserveCredit(0.000001m, null, "vm", "vm-4", TimeSpan.FromHours(1))));

        await wallet.TopUp(20m, "settles the debt");
        var after = await wallet.Transfer(new TransferCredit("trf-2", "other", 13m, null));
        Assert.Equal("pending", after.Status);
        await Assert.ThrowsAsync<InsufficientCreditException>(() => wallet.Transfer(new TransferCredit("trf-3", "other", 0.5m, null)));
    }

    [Fact]
    public async Task A_workload_whose_wallet_reaches_its_overdraft_is_stopped_with_the_reason_in_its_events_and_every_charge_kept()
    {
        const decimal overdraft = 0.0001m;
        await using var cluster = await StartAsync(new Dictionary<string, string>
        {
            ["Wallets:Overdraft"] = overdraft.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Workloads:BillingPeriod"] = "00:00:02",
            ["Workloads:ReservationTtl"] = "00:00:30",
        });
        var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme"));
        await wallet.Create(new CreateWallet("acme", null, 1m));
        var workload = cluster.GrainFactory.GetGrain<IWorkloadGrain>("wk-overdraft");
        await workload.Create(Request("acme"));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Running, Generous, "it runs");

        await Eventually.TrueAsync(async () => (await workload.GetEvents("acme"))!.Any(e => e.Type == "COST_COMMITTED"), Generous, "a first period is charged");

        // Something else spends the rest of the wallet and its whole overdraft (again if the workload settled in between).
        decimal spend = 0;
        await Eventually.TrueAsync(async () =>
        {
            spend = (await wallet.Get())!.Available + overdraft;
            var other = await wallet.Reserve(new ReserveCredit(spend, "another resource", "vm", "vm-other", TimeSpan.FromHours(1)));
            await wallet.Commit(other.Id, spend, null);
            return true;
        }, Generous, "the rest of the credit is spent");

        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Terminated, Generous, "the workload is stopped");
        var ended = (await workload.Get("acme"))!;
        Assert.StartsWith(WorkloadReasons.OverdraftLimit, ended.StatusReason);
        var events = (await workload.GetEvents("acme"))!;
        Assert.Contains(events, e => e.Type == "STATUS_CHANGED" && e.To == WorkloadStatus.Terminated && e.Reason.StartsWith(WorkloadReasons.OverdraftLimit));
        Assert.Contains(events, e => e.Type == "INSTANCE_TERMINATED" && e.Reason.Contains(ended.Placements[^1].InstanceId));
        Assert.Equal(WorkloadReasons.OverdraftLimit, ended.Placements[^1].EndReason);

        var info = (await wallet.Get())!;
        Assert.Equal(0m, info.Reserved);
        Assert.Equal(1m - spend - ended.CommittedCost, info.Balance);
        var transactions = (await wallet.Transactions(0, 1000)).Transactions;
        Assert.Equal(info.Balance, transactions.Sum(t => t.Amount));
        Assert.Equal(ended.CommittedCost, -transactions.Where(t => t.ResourceId == "wk-overdraft").Sum(t => t.Amount));
        // Reservations never took it below -overdraft; only charges of what already ran beyond their reservations may.
        decimal beyond = 0;
        foreach (var charge in transactions.Where(t => t.Type == "charge"))
        {
            beyond += Math.Max(0, -charge.Amount - (await wallet.GetReservation(charge.ReservationId!))!.Amount);
        }

        Assert.True(info.Available >= -overdraft - beyond, $"available {info.Available} is below -{overdraft} by more than the {beyond} USD charged beyond reservations");
        Assert.True(info.Available < 0, "the wallet did go into its overdraft");
        await Assert.ThrowsAsync<OverdraftLimitException>(() => wallet.Reserve(new ReserveCredit(overdraft, null, "vm", "vm-late", TimeSpan.FromHours(1))));
    }

    [Fact]
    public async Task A_workload_running_across_several_reservation_ttls_keeps_its_reservation_renewed_and_is_charged_for_every_period()
    {
        var ttl = TimeSpan.FromSeconds(2);
        await using var cluster = await StartAsync(new Dictionary<string, string>
        {
            ["Workloads:BillingPeriod"] = "00:00:05",
            ["Workloads:ReservationTtl"] = "00:00:02",
        });
        var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme"));
        await wallet.Create(new CreateWallet("acme", null, 100m));
        var workload = cluster.GrainFactory.GetGrain<IWorkloadGrain>("wk-renewed");
        await workload.Create(Request("acme"));
        await Eventually.TrueAsync(async () => (await workload.GetEvents("acme"))!.Count(e => e.Type == "COST_COMMITTED") >= 2, Generous, "two billing periods pass");
        Assert.Equal(TerminateOutcome.Accepted, await workload.Terminate("acme", WorkloadReasons.UserRequested));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Terminated, Generous);

        var ended = (await workload.Get("acme"))!;
        var events = (await workload.GetEvents("acme"))!;
        Assert.DoesNotContain(events, e => e.Type is "BILLING_FAILED" or "RESERVATION_LAPSED");
        var charges = (await wallet.Transactions(0, 1000)).Transactions.Where(t => t.Type == "charge").ToList();
        Assert.True(charges.Count >= 2, "every period is charged");
        int renewed = 0;
        foreach (var charge in charges)
        {
            var reservation = (await wallet.GetReservation(charge.ReservationId!))!;
            Assert.Equal(ReservationStatus.Committed, reservation.Status);
            Assert.DoesNotContain("late", charge.Description);
            // Held longer than its TTL without expiring: it was renewed.
            if (reservation.ClosedAt - reservation.CreatedAt > ttl)
            {
                Assert.True(reservation.ExpiresAt > reservation.CreatedAt + ttl, $"{reservation.Id} was renewed");
                renewed++;
            }
        }

        Assert.True(renewed >= 2, "the full periods outlived the TTL on renewed reservations");

        var info = (await wallet.Get())!;
        Assert.Equal((0m, 100m - ended.CommittedCost), (info.Reserved, info.Balance));
        Assert.Equal(ended.CommittedCost, -charges.Sum(c => c.Amount));
        // Every second it ran is charged: the cost of the placements, to within a tick of timing.
        decimal expected = ended.Placements.Sum(p => Money.Cost(p.PricePerHour, (p.End ?? ended.TerminatedAt!.Value) - p.Start));
        decimal tolerance = ended.Placements.Max(p => p.PricePerHour) / 3600m + 0.00001m;
        Assert.True(Math.Abs(ended.CommittedCost - expected) <= tolerance, $"charged {ended.CommittedCost} USD for placements costing {expected} USD");
    }
}
