using System.Diagnostics;
using Arbitrage.Orleans.Bench.Infrastructure;
using Orleans;
using Orleans.Placement;

namespace Arbitrage.Orleans.Bench.Grains;

/// <summary>
/// The target of cross-silo calls: a no-op. Placed on the silo that first handles a call to it (prefer-local), so a
/// client connected to one silo's gateway only decides where it lives.
/// </summary>
[Alias("bench.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task Ping();

    /// <summary>The silo this activation runs on (its address, as Orleans prints it).</summary>
    [Alias("Where")]
    Task<string> Where();
}

/// <summary>
/// The caller of cross-silo calls: runs a closed loop of calls to one <see cref="IPingGrain"/> (on another silo) inside
/// its own activation, timing each call, so the figures are grain-to-grain calls with no client hop in them.
/// </summary>
[Alias("bench.ICallerGrain")]
public interface ICallerGrain : IGrainWithIntegerKey
{
    [Alias("Where")]
    Task<string> Where();

    /// <summary>
    /// Waits until <paramref name="startUtc"/>, then calls <c>IPingGrain(<paramref name="target"/>).Ping()</c> one after
    /// the other until <paramref name="endUtc"/>, timing each call.
    /// </summary>
    [Alias("Run")]
    Task<LoopReport> Run(long target, DateTime startUtc, DateTime endUtc);
}

/// <summary>What one calling loop did: calls completed and their latencies (a <see cref="LatencyRecorder"/>'s buckets).</summary>
[GenerateSerializer, Alias("bench.LoopReport")]
public sealed record LoopReport([property: Id(0)] long Calls, [property: Id(1)] LatencySnapshot Latency);

[PreferLocalPlacement]
public sealed class PingGrain : Grain, IPingGrain
{
    public Task Ping() => Task.CompletedTask;

    public Task<string> Where() => Task.FromResult(RuntimeIdentity);
}

[PreferLocalPlacement]
public sealed class CallerGrain : Grain, ICallerGrain
{
    public Task<string> Where() => Task.FromResult(RuntimeIdentity);

    public async Task<LoopReport> Run(long target, DateTime startUtc, DateTime endUtc)
    {
        var ping = GrainFactory.GetGrain<IPingGrain>(target);
        var recorder = new LatencyRecorder();
        var wait = startUtc - DateTime.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        long calls = 0;
        while (DateTime.UtcNow < endUtc)
        {
            long t0 = Stopwatch.GetTimestamp();
            await ping.Ping();
            recorder.Record(Stopwatch.GetTimestamp() - t0);
            calls++;
        }

        return new LoopReport(calls, recorder.ToSnapshot());
    }
}
