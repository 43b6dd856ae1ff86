namespace Arbitrage.Orleans.Grains;

/// <summary>Names this assembly so the silo can register every grain class in it (<c>AddGrains(GrainsAssembly.Assembly)</c>).</summary>
public static class GrainsAssembly
{
    public static System.Reflection.Assembly Assembly => typeof(GrainsAssembly).Assembly;
}
