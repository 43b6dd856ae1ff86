using System.Globalization;
using System.Text.Json;

namespace Arbitrage.Orleans.Clouds.Real.Aws;

/// <summary>
/// The EventBridge events the interruption queue carries (as Karpenter reads them): "EC2 Spot Instance Interruption
/// Warning" (the instance is reclaimed two minutes after the event's time) and "EC2 Instance Rebalance
/// Recommendation" (the instance is at elevated risk; an interruption warning may follow). Other events are skipped.
/// </summary>
internal static class AwsInterruptionEvent
{
    public const string SpotInterruptionWarning = "EC2 Spot Instance Interruption Warning";
    public const string RebalanceRecommendation = "EC2 Instance Rebalance Recommendation";

    /// <summary>How long after an interruption warning EC2 reclaims the instance.</summary>
    public static readonly TimeSpan WarningLead = TimeSpan.FromMinutes(2);

    /// <summary>The notice an event body gives, or null for another event or a body that is not an EventBridge event.</summary>
    public static InterruptionNotice? Parse(string body, bool actOnRebalance, Func<string, string, string> zoneIdOf, DateTimeOffset receivedAt)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var type = Text(root, "detail-type");
            if (type is not (SpotInterruptionWarning or RebalanceRecommendation)) return null;
            if (type == RebalanceRecommendation && !actOnRebalance) return null;
            if (!root.TryGetProperty("detail", out var detail) || Text(detail, "instance-id") is not { Length: > 0 } instanceId) return null;
            var region = Text(root, "region") ?? "";
            var at = Text(root, "time") is { } time && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : receivedAt;
            var zoneName = ZoneOfResources(root);
            var zone = zoneName is null ? "" : zoneIdOf(region, zoneName);
            var reason = type == SpotInterruptionWarning
                ? $"{SpotInterruptionWarning} (instance-action: {Text(detail, "instance-action") ?? "terminate"})"
                : $"{RebalanceRecommendation}: the instance is at elevated risk of interruption";
            return new InterruptionNotice(instanceId, region, zone, "", at, at + WarningLead, reason);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The zone name from the instance ARN (EC2 puts the zone, not the region, there, and no account: arn:aws:ec2:us-east-1b:instance/i-…).</summary>
    private static string? ZoneOfResources(JsonElement root)
    {
        if (!root.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Array) return null;
        foreach (var resource in resources.EnumerateArray())
        {
            if (resource.ValueKind != JsonValueKind.String) continue;
            var parts = resource.GetString()!.Split(':');
            if (parts.Length >= 5 && parts[2] == "ec2" && parts[^1].StartsWith("instance/", StringComparison.Ordinal)) return parts[3];
        }

        return null;
    }
}
