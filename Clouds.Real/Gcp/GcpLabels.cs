using System.Text;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>
/// The product's tags as GCP labels. Label keys and values allow lower-case letters, digits, '_' and '-' only (keys
/// start with a letter; both at most 63 characters), so <c>arbitrage:workload</c> becomes <c>arbitrage-workload</c>
/// and a value is lower-cased with any other character replaced by '_'. Keys under <c>arbitrage-</c> read back as
/// <c>arbitrage:</c>; the product's own values (workload, cluster and intent ids) are already valid and survive as they are.
/// </summary>
internal static class GcpLabels
{
    private const string ProductPrefix = "arbitrage";

    public static Dictionary<string, string> ToLabels(IReadOnlyDictionary<string, string>? tags)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in tags ?? new Dictionary<string, string>()) labels[Key(key)] = Value(value);
        return labels;
    }

    public static Dictionary<string, string> ToTags(IReadOnlyDictionary<string, string>? labels)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            tags[key.StartsWith(ProductPrefix + "-", StringComparison.Ordinal) ? ProductPrefix + ":" + key[(ProductPrefix.Length + 1)..] : key] = value;
        }

        return tags;
    }

    public static string Key(string tag)
    {
        var key = Clean(tag, '-');
        return key.Length > 0 && char.IsAsciiLetterLower(key[0]) ? key : "t" + key[..Math.Min(key.Length, 62)];
    }

    public static string Value(string value) => Clean(value, '_');

    private static string Clean(string text, char replacement)
    {
        var clean = new StringBuilder(Math.Min(text.Length, 63));
        foreach (char c in text)
        {
            if (clean.Length == 63) break;
            char lower = char.ToLowerInvariant(c);
            clean.Append(char.IsAsciiLetterLower(lower) || char.IsAsciiDigit(lower) || lower is '-' or '_' ? lower : replacement);
        }

        return clean.ToString();
    }
}
