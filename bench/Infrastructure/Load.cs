using System.Diagnostics;
using System.Runtime.CompilerServices;

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
    /// issuing the next, for <paramref name="duration"/>. Every loop is started directly by a dedicated starter thread,
    /// so each has its first call in flight before the next loop starts: a loop queued to the thread pool instead could
    /// wait behind the continuations of the loops already running (they go to the workers' local queues, which are
    /// served before the global one) and never start, leaving fewer calls in flight than asked. A loop whose calls
    /// complete synchronously (a plain object) yields every 1,024 calls so the others get started. A dedicated thread
    /// ends the run, so a pool saturated by synchronous calls cannot delay the stop. Calls/s is over the time from the
    /// first start to the last loop's end. With <paramref name="recordLatency"/> each call is timed with two
    /// <see cref="Stopwatch.GetTimestamp"/> reads into the loop's own <see cref="LatencyRecorder"/>; a loop's first
    /// call is timed from when the starter began starting loops (see <see cref="LoadResult.CallsPerLoop"/> for fairness).
    /// </summary>
    /// <param name="operations">One loop each.</param>
    /// <param name="duration">How long the loops run.</param>
    /// <param name="recordLatency">Time each call.</param>
    /// <param name="independentCallers">
    /// After each call that completed asynchronously, the loop's next call is queued to the thread pool's global queue
    /// (first in, first out), as a request arriving from the network is, instead of running inline where the previous
    /// call completed. Without it, a few loops whose calls complete on a worker's local queue can keep that worker to
    /// themselves (local work is always served before the global queue) while the other loops wait for seconds: the
    /// figures would describe fewer callers than asked. It costs one queued work item per call.
    /// </param>
    public static async Task<LoadResult> ClosedLoopAsync<TOperation>(IReadOnlyList<TOperation> operations, TimeSpan duration, bool recordLatency, bool independentCallers = false)
        where TOperation : IOperation
    {
        var control = new LoopControl();
        var loops = new Task<long>[operations.Count];
        var recorders = new LatencyRecorder[operations.Count];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        var starter = new Thread(() =>
        {
            for (int i = 0; i < operations.Count; i++)
            {
                var operation = operations[i];
                if (recordLatency)
                {
                    var recorder = recorders[i] = new LatencyRecorder();
                    loops[i] = TimedLoop(operation, control, recorder, start, independentCallers);
                }
                else
                {
                    loops[i] = CountingLoop(operation, control, independentCallers);
                }
            }
        })
        { IsBackground = true, Name = "bench-starter" };
        starter.Start();
        starter.Join();

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
    /// workers taking the next index), timing each one. Workers are started directly by a dedicated thread (as in
    /// <see cref="ClosedLoopAsync"/>), so all of them are working from the start. Calls/s is over the whole run.
    /// </summary>
    public static async Task<LoadResult> BoundedAsync(int count, int concurrency, Func<int, Task> body)
    {
        int next = -1;
        var recorders = new LatencyRecorder[concurrency];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        var workers = new Task[concurrency];
        var starter = new Thread(() =>
        {
            for (int w = 0; w < concurrency; w++)
            {
                var recorder = recorders[w] = new LatencyRecorder();
                workers[w] = Worker(recorder);
            }
        })
        { IsBackground = true, Name = "bench-starter" };
        starter.Start();
        starter.Join();

        async Task Worker(LatencyRecorder recorder)
        {
            int index, done = 0;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                long t0 = Stopwatch.GetTimestamp();
                var call = body(index);
                if (call.IsCompleted && (++done & 1023) == 0)
                {
                    call.GetAwaiter().GetResult();
                    await Task.Yield();
                }
                else
                {
                    await call;
                }

                recorder.Record(Stopwatch.GetTimestamp() - t0);
            }
        }

        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new LoadResult(count, elapsed, LatencyRecorder.Merged(recorders), GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
    }

    private static async Task<long> CountingLoop<TOperation>(TOperation operation, LoopControl control, bool independent) where TOperation : IOperation
    {
        long calls = 0;
        while (!control.Stop)
        {
            var call = operation.InvokeAsync();
            if (call.IsCompleted)
            {
                call.GetAwaiter().GetResult();
                if ((calls & 1023) == 1023) await Task.Yield();
            }
            else
            {
                await call;
                if (independent) await GlobalQueue.Yield();
            }

            calls++;
        }

        return calls;
    }

    private static async Task<long> TimedLoop<TOperation>(TOperation operation, LoopControl control, LatencyRecorder recorder, long scheduled, bool independent)
        where TOperation : IOperation
    {
        long calls = 0;
        while (!control.Stop)
        {
            // The first call is timed from when the starter began: a caller that could not even start waited too.
            long t0 = calls == 0 ? scheduled : Stopwatch.GetTimestamp();
            var call = operation.InvokeAsync();
            if (call.IsCompleted)
            {
                call.GetAwaiter().GetResult();
                recorder.Record(Stopwatch.GetTimestamp() - t0);
                if ((calls & 1023) == 1023) await Task.Yield();
            }
            else
            {
                await call;
                recorder.Record(Stopwatch.GetTimestamp() - t0);
                if (independent) await GlobalQueue.Yield();
            }

            calls++;
        }

        return calls;
    }

    /// <summary>An awaitable that continues on the thread pool's global queue (never a worker's local queue).</summary>
    private readonly struct GlobalQueue : ICriticalNotifyCompletion
    {
        public static GlobalQueue Yield() => default;

        public GlobalQueue GetAwaiter() => this;

        public bool IsCompleted => false;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

        public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
    }

    private sealed class LoopControl
    {
        public volatile bool Stop;
    }
}
