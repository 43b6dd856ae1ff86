using Orleans;
namespace Arbitrage.Orleans.Grains.Wallets;

/// <summary>Money is decimal US dollars, kept to the micro-dollar (per-second charges of cheap instances are tiny).</summary>
public static class Money
{
    public const int Decimals = 6;
    public const decimal Max = 1_000_000_000m;

    public static decimal Round(decimal amount) => Math.Round(amount, Decimals, MidpointRounding.ToZero);

    public static decimal RoundUp(decimal amount) => Math.Round(amount, Decimals, MidpointRounding.ToPositiveInfinity);

    /// <summary>The same amount without trailing zeros (0.500000 → 0.5), as the API shows it.</summary>
    public static decimal Normalize(decimal amount) => amount / 1.000000000000000000000000000000000m;

    /// <summary>What <paramref name="pricePerHour"/> costs over <paramref name="duration"/>.</summary>
    public static decimal Cost(decimal pricePerHour, TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : Round(pricePerHour * (decimal)duration.Ticks / TimeSpan.TicksPerHour);
}
