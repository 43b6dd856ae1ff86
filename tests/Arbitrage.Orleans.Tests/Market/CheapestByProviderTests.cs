using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>
/// Each candidate provider's cheapest fitting offer, as provider selection asks it: reading only the candidates' part
/// of the offer book gives the same offers as placing on each provider alone.
/// </summary>
public sealed class CheapestByProviderTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static PlacementEngine Engine()
    {
        var builder = new OfferBookBuilder();
        // Added out of order on purpose: the book keeps each provider's markets together whatever the order they came in.
        var aws = builder.AddProvider("sim-aws", CloudKind.Aws);
        var gcp = builder.AddProvider("sim-gcp", CloudKind.Gcp);
        var azure = builder.AddProvider("sim-azure", CloudKind.Azure);
        var aws2 = builder.AddProvider("sim-aws-west", CloudKind.Aws);
        void Add(BookProvider provider, string type, string region, string zone, int cpu, double memory, decimal onDemand, decimal? spot)
        {
            builder.AddOffers(provider, [new InstanceTypeOffer(type, region, zone, cpu, memory, null, 0, onDemand, spot is not null, 0.05, 1)]);
            if (spot is { } price) builder.AddSpotPrices(provider, [new SpotPrice(region, zone, type, price, At)]);
        }

        Add(gcp, "n2-standard-4", "us-central1", "us-central1-a", 4, 16, 0.19m, 0.05m);
        Add(aws, "m5.xlarge", "us-east-1", "use1-az1", 4, 16, 0.192m, 0.07m);
        Add(azure, "Standard_D4s_v3", "eastus", "eastus", 4, 16, 0.192m, null);
        Add(aws2, "m5.xlarge", "us-west-2", "usw2-az1", 4, 16, 0.192m, 0.06m);
        Add(aws, "m5.large", "us-east-1", "use1-az1", 2, 8, 0.096m, 0.03m);
        Add(gcp, "n2-standard-2", "us-central1", "us-central1-a", 2, 8, 0.097m, 0.02m);
        Add(aws2, "m5.large", "us-west-2", "usw2-az1", 2, 8, 0.096m, 0.04m);
        Add(azure, "Standard_D2s_v3", "eastus", "eastus", 2, 8, 0.096m, null);
        return new PlacementEngine(new OfferBookHolder { Current = builder.Build() }, Options.Create(new PlacementOptions()));
    }

    [Theory]
    [InlineData(2, new[] { "sim-aws-west" })]
    [InlineData(2, new[] { "sim-gcp", "sim-aws-west" })]
    [InlineData(4, new[] { "sim-aws", "sim-azure" })]
    [InlineData(1, new[] { "sim-aws", "sim-gcp", "sim-azure", "sim-aws-west" })]
    public void Only_the_candidates_answer_each_with_the_offer_placement_would_choose_on_it_alone(int cpu, string[] candidates)
    {
        var engine = Engine();
        var requirements = new PlacementRequirements(cpu, 4);

        var cheapest = engine.CheapestByProvider(requirements with { Providers = candidates });

        Assert.Equal(candidates.Order(), cheapest.Select(o => o.Provider).Order());
        foreach (var offer in cheapest)
        {
            var alone = engine.Estimate(requirements with { Providers = [offer.Provider] }).Recommended!;
            Assert.Equal((alone.InstanceType, alone.Zone, alone.Market, alone.ExpectedCostPerHour), (offer.InstanceType, offer.Zone, offer.Market, offer.ExpectedCostPerHour));
        }

        Assert.Equal(cheapest.Select(o => o.ExpectedCostPerHour).Order(), cheapest.Select(o => o.ExpectedCostPerHour));
    }

    [Fact]
    public void Over_a_random_book_every_candidates_offer_is_the_one_placement_chooses_on_it_alone()
    {
        var random = new Random(15);
        var builder = new OfferBookBuilder();
        string[] names = ["p-aws", "p-azure", "p-gcp", "p-aws-2"];
        var providers = names.Select((n, k) => builder.AddProvider(n, (CloudKind)(k % 3))).ToArray();
        string[] regions = ["r-east", "r-west"];
        for (int n = 0; n < 2_000; n++)
        {
            var provider = providers[random.Next(providers.Length)];
            string region = regions[random.Next(regions.Length)], zone = $"{region}-{random.Next(3)}", type = $"t{n}";
            decimal onDemand = Math.Round(0.01m + (decimal)random.NextDouble(), 4);
            bool spot = random.Next(4) > 0;
            builder.AddOffers(provider, [new InstanceTypeOffer(type, region, zone, 1 << random.Next(6), 1 + random.Next(256), null, 0, onDemand, spot,
                random.NextDouble() * 0.3, random.NextDouble())]);
            if (spot) builder.AddSpotPrices(provider, [new SpotPrice(region, zone, type, Math.Round(onDemand * (decimal)(0.2 + random.NextDouble()), 4), At)]);
        }

        var engine = new PlacementEngine(new OfferBookHolder { Current = builder.Build() }, Options.Create(new PlacementOptions()));
        for (int round = 0; round < 200; round++)
        {
            var candidates = names.Where(_ => random.Next(2) == 0).DefaultIfEmpty(names[0]).ToArray();
            var requirements = new PlacementRequirements(1 << random.Next(4), 1 + random.Next(64))
            {
                MaxInterruptionRate = random.Next(3) == 0 ? 0.1 : null,
                AllowSpot = random.Next(5) > 0,
                Providers = candidates,
            };

            var cheapest = engine.CheapestByProvider(requirements);

            foreach (var name in candidates)
            {
                var alone = engine.Estimate(requirements with { Providers = [name] }).Recommended;
                var offer = cheapest.SingleOrDefault(o => o.Provider == name);
                Assert.Equal(alone is null, offer is null);
                if (alone is not null) Assert.Equal(alone.ExpectedCostPerHour, offer!.ExpectedCostPerHour);
            }
        }
    }

    [Fact]
    public void As_spot_prices_fall_and_rise_each_candidates_offer_stays_the_one_placement_chooses_on_it_alone()
    {
        // The search reads each provider's markets by a price bound taken when its order was built: prices that fall
        // below it (listed apart, then folded into a new order) and prices that rise must not change the answer.
        var random = new Random(16);
        var builder = new OfferBookBuilder();
        string[] names = ["p-aws", "p-azure", "p-gcp"];
        var providers = names.Select((n, k) => builder.AddProvider(n, (CloudKind)k)).ToArray();
        var spotMarkets = new List<(string Provider, string Region, string Zone, string Type, decimal OnDemand)>();
        for (int n = 0; n < 3_000; n++)
        {
            int p = random.Next(providers.Length);
            string region = random.Next(2) == 0 ? "r-east" : "r-west", zone = $"{region}-{random.Next(3)}", type = $"t{n}";
            decimal onDemand = Math.Round(0.01m + (decimal)random.NextDouble(), 4);
            bool spot = random.Next(3) > 0;
            builder.AddOffers(providers[p], [new InstanceTypeOffer(type, region, zone, 1 << random.Next(6), 1 + random.Next(256), null, 0, onDemand, spot,
                random.NextDouble() * 0.3, random.NextDouble())]);
            if (!spot) continue;
            builder.AddSpotPrices(providers[p], [new SpotPrice(region, zone, type, Math.Round(onDemand * (decimal)(0.3 + random.NextDouble()), 4), At)]);
            spotMarkets.Add((names[p], region, zone, type, onDemand));
        }

        var book = builder.Build();
        var engine = new PlacementEngine(new OfferBookHolder { Current = book }, Options.Create(new PlacementOptions()));
        for (int round = 0; round < 120; round++)
        {
            // A feed's batch: some prices fall far (below any bound), others rise; enough over the rounds to rebuild orders.
            foreach (var batch in Enumerable.Range(0, 40).Select(_ => spotMarkets[random.Next(spotMarkets.Count)]).GroupBy(s => (s.Provider, s.Region)))
            {
                var changes = batch.Select(s => new MarketPriceChange(s.Zone, s.Type,
                    Math.Round(s.OnDemand * (decimal)(random.Next(2) == 0 ? 0.01 + random.NextDouble() * 0.1 : 0.5 + random.NextDouble()), 4) + 0.0001m,
                    At, random.NextDouble() * 0.3)).ToList();
                book.Apply(batch.Key.Provider, batch.Key.Region, changes);
            }

            var requirements = new PlacementRequirements(1 << random.Next(4), 1 + random.Next(64))
            {
                MaxInterruptionRate = random.Next(3) == 0 ? 0.1 : null,
                AllowOnDemand = random.Next(4) > 0,
                Providers = names.Where(_ => random.Next(2) == 0).DefaultIfEmpty(names[round % names.Length]).ToArray(),
            };

            var cheapest = engine.CheapestByProvider(requirements);

            foreach (var name in requirements.Providers)
            {
                var alone = engine.Estimate(requirements with { Providers = [name] }).Recommended;
                var offer = cheapest.SingleOrDefault(o => o.Provider == name);
                Assert.Equal(alone is null, offer is null);
                if (alone is not null) Assert.Equal(alone.ExpectedCostPerHour, offer!.ExpectedCostPerHour);
            }
        }
    }
}
