namespace Arbitrage.Orleans.Grains.HostFactory.Requests;

/// <summary>How host-factory requests create their machines (configuration section <c>HostRequests</c>).</summary>
public sealed class HostRequestOptions
{
    public const string SectionName = "HostRequests";

    /// <summary>
    /// How often every silo looks for stored requests whose machines are not all created yet (and at its start) and
    /// wakes them, so that creation resumes after the silo that took a request died: the bound on how long such a
    /// request waits (plus the time to detect the dead silo for a request already active elsewhere).
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after its 202 a request starts creating its machines (0: at once).</summary>
    public TimeSpan CreationDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Problems with the settings, each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (SweepInterval <= TimeSpan.Zero) yield return $"{SectionName}:SweepInterval must be a positive time span (was {SweepInterval}).";
        if (CreationDelay < TimeSpan.Zero) yield return $"{SectionName}:CreationDelay must not be negative (was {CreationDelay}).";
    }
}
