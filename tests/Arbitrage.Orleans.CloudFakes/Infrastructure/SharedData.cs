namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>
/// The repository and its bundled market data directory (<c>data/market</c> in the repository), found by walking up
/// from the test binaries to the folder holding Arbitrage.Orleans.sln.
/// </summary>
public static class SharedData
{
    /// <summary>The folder holding Arbitrage.Orleans.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The bundled market data (data/market in the repository).</summary>
    public static string Directory { get; } = Path.Combine(RepositoryRoot, "data", "market");

    /// <summary>The silo's default providers file (the three simulated clouds).</summary>
    public static string ProvidersFile { get; } = Path.Combine(RepositoryRoot, "Silo", "providers.json");

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Arbitrage.Orleans.sln"))) return folder.FullName;
        }

        throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' holds Arbitrage.Orleans.sln.");
    }
}
