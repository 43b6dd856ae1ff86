namespace Arbitrage.Orleans.Runtime;

/// <summary>Identity of a grain: its grain type (stable name of the grain class) and its key.</summary>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";
}
