namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>The market: where providers are configured and how often prices move through the system.</summary>
public sealed class MarketOptions
{
    /// <summary>The providers file (relative paths are from the working directory).</summary>
    public string ProvidersFile { get; set; } = "Silo/providers.json";

    /// <summary>
    /// The host-factory templates' folder: the main file <c>templates.json</c>, per-type files (<c>awsprov_templates.json</c>)
    /// and per-instance files (<c>sim-aws_templates.json</c>) (relative paths are from the working directory).
    /// </summary>
    public string TemplatesDirectory { get; set; } = "Silo/templates";

    /// <summary>
    /// When set, exactly these template files (names in <see cref="TemplatesDirectory"/>, or paths) make the override chain,
    /// and each must exist; when empty, the folder's <c>templates.json</c> and <c>*_templates.json</c> files do.
    /// </summary>
    public string[] TemplateFiles { get; set; } = [];

    /// <summary>How often a silo asks whether templates were written or refreshed through another silo.</summary>
    public TimeSpan TemplateSyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most templates the API layer (templates written over the API) holds.</summary>
    public int MaxApiTemplates { get; set; } = 1000;

    /// <summary>The bundled real market data the simulated clouds replay (relative paths are from the working directory, the repository root for the silo).</summary>
    public string DataDirectory { get; set; } = "data/market";

    /// <summary>How often each region's price feed polls its cloud.</summary>
    public TimeSpan PricePollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often every silo pulls the feeds' changes into its own offer book.</summary>
    public TimeSpan BookSyncInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a provider grain probes its cloud.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often each silo refreshes its view of the providers' health from their grains (what provider selection reads);
    /// selection asks a grain itself when the view's entry is older than twice this.
    /// </summary>
    public TimeSpan HealthViewInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often each silo hands the cloud calls it counted to the providers' grains (their statistics).</summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Price points a feed keeps per market.</summary>
    public int HistoryLength { get; set; } = 64;

    /// <summary>Pseudo instance-months of weight the cloud's published interruption rate has against observations.</summary>
    public double PriorInstanceMonths { get; set; } = 1;
}
