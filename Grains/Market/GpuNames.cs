namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// Maps the clouds' accelerator names (T4, A100-80GB, MI300X) to the API's names (<c>nvidia-t4</c>,
/// <c>nvidia-a100-80gb</c>, <c>amd-mi300x</c>).
/// </summary>
public static class GpuNames
{
    public static string Normalize(string catalogName)
    {
        var lower = catalogName.Trim().ToLowerInvariant();
        return lower.StartsWith("mi", StringComparison.Ordinal) ? "amd-" + lower : "nvidia-" + lower;
    }
}
