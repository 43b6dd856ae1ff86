using System.Text.Json;
using Arbitrage.Orleans.Grains.Providers;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.HostFactory.Templates;

/// <summary>
/// The templates of the main templates file (<c>templates.json</c> in <see cref="MarketOptions.TemplatesDirectory"/>,
/// <c>{"templates": [...]}</c>), read when first asked. A file that does not parse is refused as PARSE_ERROR naming the
/// file and line.
/// </summary>
public sealed class FileTemplateCatalog(IOptions<MarketOptions> options) : ITemplateCatalog
{
    public const string MainFile = "templates.json";

    private readonly Lazy<IReadOnlyDictionary<string, HostTemplate>> templates = new(() => Load(options.Value.TemplatesDirectory));

    public Task<HostTemplate?> FindAsync(string templateId, CancellationToken cancellationToken) =>
        Task.FromResult(templates.Value.GetValueOrDefault(templateId));

    public Task<IReadOnlyList<HostTemplate>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HostTemplate>>(templates.Value.Values.OrderBy(t => t.TemplateId, StringComparer.Ordinal).ToList());

    private static Dictionary<string, HostTemplate> Load(string directory)
    {
        string path = Path.Combine(directory, MainFile);
        var result = new Dictionary<string, HostTemplate>(StringComparer.Ordinal);
        if (!File.Exists(path)) return result;
        string shown = Path.Combine(Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)), MainFile);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1;
            throw new HostFactoryException(HostFactoryErrorCodes.ParseError, $"Template file {shown} does not parse at line {line}: {e.Message}",
                new Dictionary<string, object?> { ["file"] = shown, ["line"] = line, ["suggestion"] = "Fix the JSON at that line and refresh the templates" });
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("templates", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new HostFactoryException(HostFactoryErrorCodes.InvalidConfiguration, $"Template file {shown} must be {{\"templates\": [...]}}.",
                    new Dictionary<string, object?> { ["file"] = shown });
            }

            var layerFields = new List<string>();
            foreach (var element in list.EnumerateArray())
            {
                var fields = element.EnumerateObject().Select(p => p.Name).ToList();
                var source = new TemplateSourceInfo(shown, TemplateSourceTypes.Main, 2, [new TemplateLayer(shown, TemplateSourceTypes.Main, fields)]);
                var template = TemplateReader.Read(element.Clone(), source);
                result[template.TemplateId] = template;
            }
        }

        return result;
    }
}
