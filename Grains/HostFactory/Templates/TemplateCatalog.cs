using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;

namespace Arbitrage.Orleans.Grains.HostFactory.Templates;

/// <summary>
/// The templates this silo sees: the layered files (<see cref="TemplateSources"/>) merged with the API layer kept in
/// <see cref="ITemplateStoreGrain"/>. The files are checked when the host starts (a file that does not parse stops the
/// start, naming file and line) and re-read on a refresh, through any silo: every
/// <see cref="MarketOptions.TemplateSyncInterval"/> at most, a read compares the store's generations with the ones this
/// catalog was built from and re-reads what moved. A refresh that fails keeps the previous templates.
/// </summary>
public sealed partial class TemplateCatalog(
    IOptions<MarketOptions> options,
    IGrainFactory grains,
    IProviderDirectory providers,
    TimeProvider time,
    ILogger<TemplateCatalog> logger) : ITemplateCatalog, ITemplateAdministration, IHostedService
{
    /// <summary>Largest API layer one template may have (its JSON).</summary>
    public const int MaxTemplateBytes = 32 * 1024;

    private static readonly TemplateGenerations Unknown = new(-1, -1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot? _current;

    /// <summary>What the catalog was built from and what it merged.</summary>
    private sealed record Snapshot(TemplateFileSet Files, IReadOnlyList<StoredTemplate> Api, TemplateGenerations Generations, IReadOnlyDictionary<string, HostTemplate> Merged, long CheckedAt);

    private MarketOptions Options => options.Value;

    private ITemplateStoreGrain Store => grains.GetGrain<ITemplateStoreGrain>(ITemplateStoreGrain.DefaultKey);

    /// <summary>Checks the files as the host starts: a broken file stops it with the file's error.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Options.MaxApiTemplates < 1) throw new OptionsValidationException("Market", typeof(MarketOptions), [$"Market:MaxApiTemplates must be at least 1 (was {Options.MaxApiTemplates})."]);
        var files = TemplateSources.Read(Options);
        var merged = TemplateSources.Merge(files, []);
        _current = new Snapshot(files, [], Unknown, merged, 0);
        LogLoaded(merged.Count, files.Files.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<HostTemplate?> FindAsync(string templateId, CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).Merged.GetValueOrDefault(templateId);

    public async Task<IReadOnlyList<HostTemplate>> ListAsync(CancellationToken cancellationToken) =>
        (await CurrentAsync(cancellationToken)).Merged.Values.OrderBy(t => t.TemplateId, StringComparer.Ordinal).ToList();

    public async Task<TemplateRefreshResult> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var files = TemplateSources.Read(Options);
            var store = await Store.GetSnapshot().WaitAsync(cancellationToken);
            var merged = TemplateSources.Merge(files, store.Templates);
            var generations = await Store.FilesChanged().WaitAsync(cancellationToken);
            _current = new Snapshot(files, store.Templates, generations with { Templates = store.Generations.Templates }, merged, time.GetTimestamp());
            LogRefreshed(merged.Count, files.Files.Count, generations.Files);
            return new TemplateRefreshResult(merged.Count, files.Counts, generations.Files);
        }
        catch (HostFactoryException e)
        {
            LogRefreshRefused(e.Code, e.Message);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<TemplateWriteResult> PutAsync(string templateId, string fieldsJson, bool createOnly, CancellationToken cancellationToken)
    {
        if (!TemplateReader.IsValidId(templateId)) throw TemplateReader.Invalid(templateId, "template_id", "template_id must be 1 to 128 letters, digits, dots, dashes or underscores.");
        if (JsonNode.Parse(fieldsJson) is not JsonObject fields) throw TemplateReader.Invalid(templateId, "template", "The template must be a JSON object of its fields.");
        if (fields["template_id"] is { } named && (named.GetValueKind() != JsonValueKind.String || (string)named! != templateId))
        {
            throw TemplateReader.Invalid(templateId, "template_id", $"template_id in the body must be '{templateId}', the template the route names.");
        }

        // template_id first: it is the API layer's own field when no file defines the template.
        var layer = new JsonObject { ["template_id"] = templateId };
        foreach (var (name, value) in fields)
        {
            if (name != "template_id") layer[name] = value?.DeepClone();
        }

        string json = layer.ToJsonString();
        if (json.Length > MaxTemplateBytes) throw TemplateReader.Invalid(templateId, "template", $"The template is {json.Length} bytes; at most {MaxTemplateBytes}.");
        var stored = new StoredTemplate(templateId, json, time.GetUtcNow());
        var current = await CurrentAsync(cancellationToken);
        // Checked merged with its files before anything is stored.
        var check = TemplateSources.Merge(current.Files, current.Api.Where(t => t.TemplateId != templateId).Append(stored));
        var write = await Store.Put(stored, createOnly).WaitAsync(cancellationToken);
        switch (write.Outcome)
        {
            case TemplateStoreOutcome.Exists:
                throw new HostFactoryException(HostFactoryErrorCodes.TemplateExists, $"Template '{templateId}' was already created over the API.",
                    new Dictionary<string, object?> { ["template_id"] = templateId, ["suggestion"] = $"Use 'PUT /api/v1/templates/{templateId}' to replace it" });
            case TemplateStoreOutcome.Full:
                throw new HostFactoryException(HostFactoryErrorCodes.TemplateStoreFull,
                    $"The API holds {Options.MaxApiTemplates} templates, as many as Market:MaxApiTemplates allows.",
                    new Dictionary<string, object?> { ["limit"] = Options.MaxApiTemplates, ["suggestion"] = "Delete templates you no longer use, or move them into files" });
        }

        var now = await SyncAsync(force: true, cancellationToken);
        return new TemplateWriteResult(write.Created, now.Merged.GetValueOrDefault(templateId) ?? check[templateId]);
    }

    public async Task<HostTemplate?> DeleteAsync(string templateId, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(cancellationToken);
        if (!current.Merged.TryGetValue(templateId, out var template)) throw NotFound(templateId, current);
        if (current.Api.All(t => t.TemplateId != templateId))
        {
            var files = template.Source.OverrideChain.Select(l => l.File).ToList();
            throw new HostFactoryException(HostFactoryErrorCodes.TemplateReadOnly,
                $"Template '{templateId}' is defined only by files ({string.Join(", ", files)}); it cannot be deleted over the API.",
                new Dictionary<string, object?> { ["template_id"] = templateId, ["files"] = files, ["suggestion"] = "Remove it from its files, then 'POST /api/v1/templates/refresh'" });
        }

        var write = await Store.Remove(templateId).WaitAsync(cancellationToken);
        var now = await SyncAsync(force: true, cancellationToken);
        if (write.Outcome == TemplateStoreOutcome.Missing && !now.Merged.ContainsKey(templateId)) throw NotFound(templateId, now);
        return now.Merged.GetValueOrDefault(templateId);
    }

    public async Task<TemplateMigrationResult> MigrateAsync(TemplateMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        await CurrentAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = _current!;
            string fromName = Path.GetFileName(migration.From);
            var source = current.Files.Files.FirstOrDefault(f => f.Name.Equals(fromName, StringComparison.Ordinal))
                ?? throw new HostFactoryException(HostFactoryErrorCodes.FileNotFound, $"Template file '{migration.From}' is not one of the template files.",
                    new Dictionary<string, object?>
                    {
                        ["file"] = migration.From,
                        ["available_files"] = current.Files.Files.Select(f => f.Name).ToList(),
                        ["suggestion"] = "Name a file 'POST /api/v1/templates/refresh' lists",
                    });
            string provider = providers.ProviderNames.FirstOrDefault(n => n.Equals(migration.ToProvider, StringComparison.OrdinalIgnoreCase))
                ?? throw HostFactoryException.ProviderNotFound(migration.ToProvider, providers.ProviderNames);
            string targetName = TemplateSources.InstanceFileName(provider);
            if (targetName == source.Name)
            {
                throw new HostFactoryException(HostFactoryErrorCodes.InvalidConfiguration, $"{source.Shown} is already {provider}'s file.",
                    new Dictionary<string, object?> { ["file"] = source.Shown, ["suggestion"] = "Migrate from another file" });
            }

            string targetPath = Path.Combine(Path.GetDirectoryName(source.Path)!, targetName);
            if (Options.TemplateFiles.Length > 0 && current.Files.Files.All(f => f.Name != targetName))
            {
                throw new HostFactoryException(HostFactoryErrorCodes.InvalidConfiguration,
                    $"Market:TemplateFiles names the chain files and not {targetName}: templates moved there would not be read.",
                    new Dictionary<string, object?> { ["file"] = targetName, ["suggestion"] = $"Add {targetName} to Market:TemplateFiles first" });
            }

            var existing = current.Files.Files.FirstOrDefault(f => f.Name == targetName);
            var target = existing?.Templates.Select(t => (JsonObject)t.DeepClone()).ToList() ?? [];
            var moved = new List<string>();
            var merged = new List<string>();
            foreach (var template in source.Templates)
            {
                string id = (string)template["template_id"]!;
                moved.Add(id);
                int at = target.FindIndex(t => (string)t["template_id"]! == id);
                if (at < 0)
                {
                    target.Add((JsonObject)template.DeepClone());
                    continue;
                }

                // The target's own fields stay: they were the more specific ones.
                var combined = (JsonObject)template.DeepClone();
                foreach (var (name, value) in target[at]) combined[name] = value?.DeepClone();
                target[at] = combined;
                merged.Add(id);
            }

            var newTarget = new TemplateFile(targetPath, TemplateSources.Shown(targetPath), TemplateSourceTypes.ProviderInstance, target);
            var newFrom = source with { Templates = [] };
            // The files as they would be, checked before anything is written.
            var files = current.Files.Replace(newFrom).Replace(newTarget);
            TemplateSources.Merge(files, current.Api);
            if (migration.DryRun) return new TemplateMigrationResult(source.Shown, newTarget.Shown, true, moved, merged, [], []);

            var backups = new List<string>();
            if (migration.Backup)
            {
                string stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
                foreach (var path in new[] { source.Path, targetPath }.Where(File.Exists))
                {
                    string backup = $"{path}.{stamp}.bak";
                    File.Copy(path, backup, overwrite: true);
                    backups.Add(TemplateSources.Shown(backup));
                }
            }

            Write(targetPath, target);
            Write(source.Path, []);
            var reread = TemplateSources.Read(Options);
            var generations = await Store.FilesChanged().WaitAsync(cancellationToken);
            _current = new Snapshot(reread, current.Api, generations with { Templates = current.Generations.Templates }, TemplateSources.Merge(reread, current.Api), time.GetTimestamp());
            LogMigrated(moved.Count, source.Shown, newTarget.Shown);
            return new TemplateMigrationResult(source.Shown, newTarget.Shown, false, moved, merged, [newTarget.Shown, source.Shown], backups);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Write(string path, IReadOnlyList<JsonObject> templates)
    {
        var document = new JsonObject { ["templates"] = new JsonArray(templates.Select(t => (JsonNode)t.DeepClone()).ToArray()) };
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A TEMPLATE_NOT_FOUND refusal naming the templates there are.</summary>
    public static HostFactoryException NotFound(string templateId, IEnumerable<string> available) =>
        new(HostFactoryErrorCodes.TemplateNotFound, $"Template '{templateId}' not found.", new Dictionary<string, object?>
        {
            ["requested_template"] = templateId,
            ["available_templates"] = available.Order(StringComparer.Ordinal).ToList(),
            ["suggestion"] = "Use 'GET /api/v1/templates' to see available templates",
        });

    private static HostFactoryException NotFound(string templateId, Snapshot current) => NotFound(templateId, current.Merged.Keys);

    private async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && current.Generations != Unknown && time.GetElapsedTime(current.CheckedAt) < Options.TemplateSyncInterval) return current;
        return await SyncAsync(force: false, cancellationToken);
    }

    /// <summary>Compares the store's generations with this catalog's and re-reads what moved (the files only when refreshed elsewhere).</summary>
    private async Task<Snapshot> SyncAsync(bool force, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = _current;
            if (!force && current is not null && current.Generations != Unknown && time.GetElapsedTime(current.CheckedAt) < Options.TemplateSyncInterval) return current;
            var generations = await Store.GetGenerations().WaitAsync(cancellationToken);
            if (current is not null && generations == current.Generations)
            {
                return _current = current with { CheckedAt = time.GetTimestamp() };
            }

            var store = await Store.GetSnapshot().WaitAsync(cancellationToken);
            var files = current?.Files;
            bool filesMoved = files is null || current!.Generations.Files != store.Generations.Files;
            if (filesMoved)
            {
                try
                {
                    files = TemplateSources.Read(Options);
                }
                catch (HostFactoryException e) when (files is not null)
                {
                    // Refreshed through another silo, broken here: this silo keeps its templates until the files read again.
                    LogResyncRefused(e.Code, e.Message);
                    store = store with { Generations = store.Generations with { Files = current!.Generations.Files } };
                }
            }

            var merged = TemplateSources.Merge(files!, store.Templates);
            return _current = new Snapshot(files!, store.Templates, store.Generations, merged, time.GetTimestamp());
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = 4600, Level = LogLevel.Information, Message = "Templates loaded: {Templates} templates from {Files} files")]
    private partial void LogLoaded(int templates, int files);

    [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "Templates refreshed: {Templates} templates from {Files} files (files generation {Generation})")]
    private partial void LogRefreshed(int templates, int files, long generation);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "Template refresh refused ({Code}): {Reason}; the previous templates stay")]
    private partial void LogRefreshRefused(string code, string reason);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Warning, Message = "Templates refreshed through another silo do not read here ({Code}): {Reason}; this silo keeps its templates")]
    private partial void LogResyncRefused(string code, string reason);

    [LoggerMessage(EventId = 4604, Level = LogLevel.Information, Message = "Templates migrated: {Count} templates from {From} to {To}")]
    private partial void LogMigrated(int count, string from, string to);
}
