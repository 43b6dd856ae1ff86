namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>The offers of one cloud as a loader builds them, with the catalog spot price and hazard beside each.</summary>
internal sealed class OfferTable
{
    public List<InstanceTypeOffer> Offers { get; } = [];
    public List<decimal?> SpotPrices { get; } = [];
    public List<double> HourlyHazards { get; } = [];

    public void Add(InstanceTypeOffer offer, decimal? spotPrice, double hourlyHazard)
    {
        Offers.Add(offer);
        SpotPrices.Add(spotPrice);
        HourlyHazards.Add(hourlyHazard);
    }
}
