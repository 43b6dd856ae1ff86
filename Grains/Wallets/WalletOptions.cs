namespace Arbitrage.Orleans.Grains.Wallets;

/// <summary>How wallets treat money they do not have (configuration section <c>Wallets</c>).</summary>
public sealed class WalletOptions
{
    public const string SectionName = "Wallets";

    /// <summary>
    /// How far (USD) a wallet's available credit may go below zero. Reservations may draw on it, down to
    /// <c>-Overdraft</c>; transfers never do. A charge is always recorded in full, even past it (the cloud already ran
    /// what it pays for): the commit then reports the overdraft exceeded and the workload stops. 0 (the default) lends
    /// nothing: only a charge beyond its reservation can take a wallet below zero.
    /// </summary>
    public decimal Overdraft { get; set; }

    /// <summary>Problems with the settings, each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (Overdraft < 0 || Overdraft > Money.Max) yield return $"{SectionName}:Overdraft must be between 0 and {Money.Max:0} USD (was {Overdraft}).";
        if (decimal.Round(Overdraft, Money.Decimals) != Overdraft) yield return $"{SectionName}:Overdraft may have at most {Money.Decimals} decimal places (was {Overdraft}).";
    }
}
