using System.Text;
using System.Text.Json;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>Turns a suite's figures into one JSON object and keeps it in bench/results/&lt;suite&gt;.json.</summary>
internal static class ResultsWriter
{
    public const string SolutionFile = "Arbitrage.Orleans.sln";

    /// <summary>The repository root: the first folder above the program's own folder that holds the solution file.</summary>
    public static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile))) return directory.FullName;
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds {SolutionFile}; run the bench from the repository (dotnet run -c Release --project bench -- <suite>).");
    }

    /// <summary>The result as one line of JSON.</summary>
    public static string ToJson(BenchResult result)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in result.Values)
            {
                writer.WritePropertyName(key);
                WriteValue(writer, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the JSON to bench/results/&lt;suite&gt;.json (through a .tmp file, so a reader never sees half of it); returns the path.</summary>
    public static string Write(string repositoryRoot, string suite, string json)
    {
        var folder = Path.Combine(repositoryRoot, "bench", "results");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, suite + ".json");
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, json + "\n");
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case int or long:
                writer.WriteNumberValue(Convert.ToInt64(value));
                break;
            case double d when double.IsFinite(d) && Math.Abs(d) < 1e15:
                writer.WriteNumberValue((decimal)d); // 0.00002 rather than 2E-05
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double:
                writer.WriteNullValue();
                break;
            case IEnumerable<string> list:
                writer.WriteStartArray();
                foreach (var item in list) writer.WriteStringValue(item);
                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"A bench figure cannot be a {value.GetType().Name}.");
        }
    }
}
