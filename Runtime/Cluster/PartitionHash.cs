using System.Text;

namespace Arbitrage.Orleans.Runtime.Cluster;

/// <summary>Stable partition of a grain: FNV-1a (32 bit) of "type/key" in UTF-8, modulo the partition count.</summary>
internal static class PartitionHash
{
    public static int Of(GrainId id, int partitionCount)
    {
        uint hash = 2166136261;
        Span<byte> buffer = stackalloc byte[256];
        Mix(ref hash, id.Type, buffer);
        hash = (hash ^ '/') * 16777619;
        Mix(ref hash, id.Key, buffer);
        return (int)(hash % (uint)partitionCount);
    }

    private static void Mix(ref uint hash, string text, Span<byte> buffer)
    {
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(text, buffer)]
            : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }
    }
}
