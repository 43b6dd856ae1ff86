using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Arbitrage.Orleans.Cli.Output;

public enum OutputFormat { Table, Json }

/// <summary>
/// Where a command's answer goes: Spectre tables (colour and live views only on a terminal, never with
/// <c>NO_COLOR</c>), or with <c>--output json</c> the API's JSON as it came. Errors and progress notes go to standard error.
/// </summary>
public sealed class Renderer
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly CliContext _context;

    public Renderer(CliContext context, OutputFormat format)
    {
        _context = context;
        Format = format;
        bool colour = context.OutputIsTerminal && context.Variable("NO_COLOR") is null;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = context.OutputIsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(context.Out),
        });
        // Redirected output has no width: keep rows on one line for scripts and logs.
        if (!context.OutputIsTerminal) Console.Profile.Width = 400;
    }

    public OutputFormat Format { get; }
    public bool IsJson => Format == OutputFormat.Json;
    public IAnsiConsole Console { get; }
    public bool IsInteractive => _context.OutputIsTerminal && !IsJson;

    /// <summary>
    /// Runs <paramref name="follow"/>, which reports the current status as it goes: on a terminal under a live spinner
    /// naming <paramref name="id"/> and that status, elsewhere without it (its own printed lines are the record).
    /// </summary>
    public async Task<int> FollowAsync(string id, Func<Action<string>, Task<int>> follow)
    {
        if (!IsInteractive) return await follow(_ => { });
        int exit = 0;
        await Console.Status().Spinner(Spinner.Known.Dots).StartAsync($"{id}: waiting", async status =>
        {
            exit = await follow(current => status.Status($"{id}: {Markup.Escape(current)}"));
        });
        return exit;
    }

    public void Json(JsonElement element) => _context.Out.WriteLine(element.ValueKind == JsonValueKind.Undefined ? "{}" : JsonSerializer.Serialize(element, Indented));

    public void Write(IRenderable renderable) => Console.Write(renderable);

    /// <summary>A line of plain text on standard output (no markup).</summary>
    public void Line(string text) => Console.WriteLine(text);

    /// <summary>A note that is not the answer (progress, hints): standard error in JSON mode so stdout stays parseable.</summary>
    public void Note(string text)
    {
        if (IsJson) _context.Error.WriteLine(text);
        else Console.WriteLine(text, new Style(foreground: Color.Grey));
    }

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns) table.AddColumn(new TableColumn(new Text(column, new Style(decoration: Decoration.Bold))));
        return table;
    }

    /// <summary>A row of plain cells (API text is never read as markup).</summary>
    public static void Row(Table table, params string[] cells) => table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());

    /// <summary>A two-column name/value view of one object.</summary>
    public static Grid Details(IEnumerable<(string Name, string Value)> rows)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (name, value) in rows) grid.AddRow(new Text(name, new Style(decoration: Decoration.Bold)), new Text(value));
        return grid;
    }

    /// <summary>The next page's cursor, when there is one.</summary>
    /// <summary>
    /// Under a paged host-factory list (its <c>pagination</c> object): where this page stands and how to get the next,
    /// when the list has more than one page.
    /// </summary>
    public void PageNote(System.Text.Json.JsonElement pagination, string items)
    {
        int page = pagination.GetProperty("page").GetInt32(), pages = pagination.GetProperty("total_pages").GetInt32();
        if (pages <= 1) return;
        string more = pagination.GetProperty("has_next").GetBoolean() ? $"; more: --page {page + 1}" : "";
        Note($"Page {page} of {pages} ({pagination.GetProperty("total_items").GetInt32()} {items}){more}");
    }

    public void NextPage(string? cursor)
    {
        if (cursor is { Length: > 0 }) Note($"More: --cursor {cursor}");
    }

    /// <summary>
    /// A borderless table in the host-factory CLI's layout: a header row of the column names, then one row per item,
    /// each column as wide as its widest cell and two spaces apart (plain text, never markup).
    /// </summary>
    public void Columns(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = headers.Select((_, c) => all.Max(r => c < r.Count ? r[c].Length : 0)).ToArray();
        foreach (var row in all)
        {
            var line = new System.Text.StringBuilder();
            for (int c = 0; c < headers.Count; c++)
            {
                string cell = c < row.Count ? row[c] : "";
                line.Append(c == headers.Count - 1 ? cell : cell.PadRight(widths[c] + 2));
            }

            Line(line.ToString().TrimEnd());
        }
    }

    public static Style StatusStyle(string status) => status switch
    {
        "RUNNING" => new Style(Color.Green),
        "FAILED" => new Style(Color.Red),
        "TERMINATED" or "STOPPING" => new Style(Color.Grey),
        _ => new Style(Color.Yellow),
    };
}
