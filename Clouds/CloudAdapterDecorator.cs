namespace Arbitrage.Orleans.Clouds;

/// <summary>An adapter that wraps another (resilience, read-only mode).</summary>
public interface ICloudAdapterDecorator
{
    ICloudAdapter Inner { get; }
}

public static class CloudAdapterExtensions
{
    /// <summary>The adapter of type <typeparamref name="T"/> under any decorators, or null (e.g. the simulated cloud behind a provider's resilience).</summary>
    public static T? Unwrap<T>(this ICloudAdapter adapter) where T : class, ICloudAdapter
    {
        for (var current = adapter; ; current = ((ICloudAdapterDecorator)current).Inner)
        {
            if (current is T found) return found;
            if (current is not ICloudAdapterDecorator) return null;
        }
    }
}
