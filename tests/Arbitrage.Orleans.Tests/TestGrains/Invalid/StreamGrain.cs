using Arbitrage.Orleans.Runtime;

namespace Arbitrage.Orleans.Tests.TestGrains.Invalid;

/// <summary>A grain whose interface cannot work across silos: it takes a Stream. Registered only by the test that expects the refusal.</summary>
public interface IStreamGrain : IGrainWithStringKey
{
    Task Upload(Stream content);
}

public sealed class StreamGrain : Grain, IStreamGrain
{
    public Task Upload(Stream content) => Task.CompletedTask;
}
