using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>The inner loops of a layer, over the lost-progress values of one step (four at a time where the CPU can).</summary>
internal static partial class DeadlineJobOptimum
{
    /// <summary>values[i] = add + source[i].</summary>
    private static void AddTo(Span<double> values, ReadOnlySpan<double> source, double add)
    {
        int i = 0, n = values.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double to = ref MemoryMarshal.GetReference(values);
            ref double from = ref MemoryMarshal.GetReference(source[..n]);
            var a = Vector256.Create(add);
            for (; i <= n - 4; i += 4) (a + Vector256.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
        }

        for (; i < n; i++) values[i] = add + source[i];
    }

    /// <summary>Where starting option <paramref name="option"/> is cheaper than what nothing-running does so far, take it.</summary>
    private static void MergeStart(Span<double> waiting, ReadOnlySpan<double> run, Span<byte> starts, byte option)
    {
        int i = 0, n = waiting.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double w = ref MemoryMarshal.GetReference(waiting);
            ref double r = ref MemoryMarshal.GetReference(run[..n]);
            for (; i <= n - 4; i += 4)
            {
                var runs = Vector256.LoadUnsafe(ref r, (nuint)i);
                var waits = Vector256.LoadUnsafe(ref w, (nuint)i);
                var better = Vector256.LessThan(runs, waits);
                uint lanes = better.ExtractMostSignificantBits();
                if (lanes == 0) continue;
                Vector256.ConditionalSelect(better, runs, waits).StoreUnsafe(ref w, (nuint)i);
                for (int k = 0; k < 4; k++)
                {
                    if ((lanes & (1u << k)) != 0) starts[i + k] = option;
                }
            }
        }

        for (; i < n; i++)
        {
            if (run[i] < waiting[i])
            {
                waiting[i] = run[i];
                starts[i] = option;
            }
        }
    }

    /// <summary>
    /// A running state's value: keeping it (<paramref name="run"/>) where that is no dearer than what nothing-running does
    /// (the keep bit is set), else the same as nothing-running. Keeping beats restarting the same option exactly; the
    /// tolerance keeps rounding from choosing a restart. <paramref name="keeps"/> starts at a 64-bit boundary.
    /// </summary>
    private static void MergeKeep(Span<double> running, ReadOnlySpan<double> run, ReadOnlySpan<double> waiting, KeepBits keeps)
    {
        int i = 0, n = running.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double to = ref MemoryMarshal.GetReference(running);
            ref double r = ref MemoryMarshal.GetReference(run[..n]);
            ref double w = ref MemoryMarshal.GetReference(waiting[..n]);
            var factor = Vector256.Create(KeepFactor);
            for (; i <= n - 4; i += 4)
            {
                var runs = Vector256.LoadUnsafe(ref r, (nuint)i);
                var waits = Vector256.LoadUnsafe(ref w, (nuint)i);
                var keep = Vector256.LessThanOrEqual(runs, waits * factor);
                Vector256.ConditionalSelect(keep, runs, waits).StoreUnsafe(ref to, (nuint)i);
                keeps.SetFour(i, keep.ExtractMostSignificantBits());
            }
        }

        for (; i < n; i++)
        {
            if (run[i] <= waiting[i] * KeepFactor)
            {
                running[i] = run[i];
                keeps.SetFour(i & ~3, 1u << (i & 3));
            }
            else
            {
                running[i] = waiting[i];
            }
        }
    }
}
