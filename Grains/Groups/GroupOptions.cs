namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>How groups converge (configuration section <c>Groups</c>).</summary>
public sealed class GroupOptions
{
    public const string SectionName = "Groups";

    /// <summary>How often a group compares its members with its target and acts.</summary>
    public TimeSpan ConvergeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a spot instance type that could not be placed is left alone before the group tries it again (and reverts to spot).</summary>
    public TimeSpan SpotRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The largest maximum a group may have.</summary>
    public int MaxGroupSize { get; set; } = 1000;

    /// <summary>How many of its latest events a group keeps.</summary>
    public int EventsKept { get; set; } = 500;

    /// <summary>Problems with the settings, each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (ConvergeInterval <= TimeSpan.Zero) yield return $"{SectionName}:ConvergeInterval must be a positive time span (was {ConvergeInterval}).";
        if (SpotRetryAfter < TimeSpan.Zero) yield return $"{SectionName}:SpotRetryAfter must not be negative (was {SpotRetryAfter}).";
        if (MaxGroupSize < 1) yield return $"{SectionName}:MaxGroupSize must be at least 1 (was {MaxGroupSize}).";
        if (EventsKept < 1) yield return $"{SectionName}:EventsKept must be at least 1 (was {EventsKept}).";
    }
}
