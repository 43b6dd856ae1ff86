using System.Diagnostics;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>
/// One call a load loop repeats. Implement it with a struct so that the loop is specialised for it and the only
/// indirection left is the call under test itself.
/// </summary>
internal interface IOperation
{
    Task InvokeAsync();
}

/// <summary>What a load run did: calls completed, over how long, and their latencies when they were recorded.</summary>
internal sealed record LoadResult(long Calls, TimeSpan Elapsed, LatencyRecorder? Latency, long AllocatedBytes)
{
    /// <summary>Calls completed by each loop (closed loop) or worker (bounded), to see whether all were served fairly.</summary>
    public long[] CallsPerLoop { get; init; } = [];

    public double CallsPerSecond => Elapsed > TimeSpan.Zero ? Calls / Elapsed.TotalSeconds : 0;

    /// <summary>Managed bytes allocated by the whole process during the run, per call.</summary>
    public double AllocatedBytesPerCall => Calls > 0 ? AllocatedBytes / (double)Calls : 0;
}

internal static class Load
{
    /// <summary>
    /// Closed loop: one async loop per operation (so <c>operations.Count</c> calls in flight), each awaiting its call and
    /// issuing the next, for <paramref name="duration"/>. Loops start on the thread pool; a dedicated thread ends the
    /// run, so a pool saturated by synchronous calls cannot delay the stop. Calls/s is over the time from the first
    /// start to the last loop's end. With <paramref name="recordLatency"/> each call is timed with two
    /// <see cref="Stopwatch.GetTimestamp"/> reads into the loop's own <see cref="LatencyRecorder"/>; a loop's first
    /// call is timed from when the loop was scheduled, so a loop kept from starting shows up as one long call
    /// (a loop that never starts before the stop records nothing: see <see cref="LoadResult.CallsPerLoop"/>).
    /// </summary>
    public static async Task<LoadResult> ClosedLoopAsync<TOperation>(IReadOnlyList<TOperation> operations, TimeSpan duration, bool recordLatency)
        where TOperation : IOperation
    {
        var control = new LoopControl();
        var loops = new Task<long>[operations.Count];
        var recorders = new LatencyRecorder[operations.Count];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < operations.Count; i++)
        {
            var operation = operations[i];
            if (recordLatency)
            {
                var recorder = recorders[i] = new LatencyRecorder();
                long scheduled = Stopwatch.GetTimestamp();
                loops[i] = Task.Run(() => TimedLoop(operation, control, recorder, scheduled));
            }
            else
            {
                loops[i] = Task.Run(() => CountingLoop(operation, control));
            }
        }

        var stopper = new Thread(() =>
        {
            Thread.Sleep(duration);
            control.Stop = true;
        })
        { IsBackground = true, Name = "bench-stopper" };
        stopper.Start();

        try
        {
            await Task.WhenAll(loops);
        }
        finally
        {
            control.Stop = true;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        long calls = loops.Sum(l => l.Result);
        return new LoadResult(calls, elapsed, recordLatency ? LatencyRecorder.Merged(recorders) : null, allocated)
        {
            CallsPerLoop = loops.Select(l => l.Result).ToArray(),
        };
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0..count-1 with at most <paramref name="concurrency"/> in flight (that many
    /// workers taking the next index), timing each one. Calls/s is over the whole run.
    /// </summary>
    public static async Task<LoadResult> BoundedAsync(int count, int concurrency, Func<int, Task> body)
    {
        int next = -1;
        var recorders = new LatencyRecorder[concurrency];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
        {
            var recorder = recorders[w] = new LatencyRecorder();
            workers[w] = Task.Run(async () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < count)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    await body(index);
                    recorder.Record(Stopwatch.GetTimestamp() - t0);
                }
            });
        }

        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new LoadResult(count, elapsed, LatencyRecorder.Merged(recorders), GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
    }

    private static async Task<long> CountingLoop<TOperation>(TOperation operation, LoopControl control) where TOperation : IOperation
    {
        long calls = 0;
        while (!control.Stop)
        {
            await operation.InvokeAsync();
            calls++;
        }

        return calls;
    }

    private static async Task<long> TimedLoop<TOperation>(TOperation operation, LoopControl control, LatencyRecorder recorder, long scheduled)
        where TOperation : IOperation
    {
        long calls = 0;
        while (!control.Stop)
        {
            // The first call is timed from when the loop was scheduled: a caller that could not even start waited too.
            long t0 = calls == 0 ? scheduled : Stopwatch.GetTimestamp();
            await operation.InvokeAsync();
            recorder.Record(Stopwatch.GetTimestamp() - t0);
            calls++;
        }

        return calls;
    }

    private sealed class LoopControl
    {
        public volatile bool Stop;
    }
}
