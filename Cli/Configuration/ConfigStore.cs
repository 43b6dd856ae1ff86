using System.Text.Json;

namespace Arbitrage.Orleans.Cli.Configuration;

/// <summary>
/// The user's <c>config.json</c> in <paramref name="directory"/>. The file holds an API key, so on Unix it is created
/// readable and writable by its owner only (0600) and its folder 0700, and the mode is set again on every write.
/// </summary>
public sealed class ConfigStore(string directory)
{
    public const string FileName = "config.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string Directory { get; } = directory;
    public string Path => System.IO.Path.Combine(Directory, FileName);

    /// <summary><c>$XDG_CONFIG_HOME/arb</c>, else <c>~/.config/arb</c> (on Windows, the roaming application data folder).</summary>
    public static string DefaultDirectory(IReadOnlyDictionary<string, string> environment)
    {
        if (environment.TryGetValue("XDG_CONFIG_HOME", out var xdg) && System.IO.Path.IsPathRooted(xdg)) return System.IO.Path.Combine(xdg, "arb");
        if (OperatingSystem.IsWindows()) return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "arb");
        string home = environment.TryGetValue("HOME", out var h) && h.Length > 0 ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return System.IO.Path.Combine(home, ".config", "arb");
    }

    public CliConfig Load()
    {
        if (!File.Exists(Path)) return new CliConfig();
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(Path), Json) ?? new CliConfig();
        }
        catch (JsonException e)
        {
            throw new UsageException($"{Path} is not valid JSON ({e.Message}); fix it or remove it and run 'arb config set' again.");
        }
    }

    public void Save(CliConfig config)
    {
        if (!OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory);
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(Path, options))
        {
            // An existing file keeps its mode on open: narrow it before the key is written.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            JsonSerializer.Serialize(stream, config, Json);
        }
    }
}
