namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>Waits for a condition a user would notice, polling, with a generous limit (never a timing assertion).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan limit, string? because = null)
    {
        var deadline = DateTime.UtcNow + limit;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition()) return;
                last = null;
            }
            catch (Exception e)
            {
                last = e;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"The condition was not met within {limit.TotalSeconds:0} s{(because is null ? "" : $": {because}")}.{(last is null ? "" : $" Last error: {last.Message}")}");
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan limit, string? because = null) =>
        TrueAsync(() => Task.FromResult(condition()), limit, because);
}
