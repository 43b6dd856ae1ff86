using System.Globalization;
using Pagination = Arbitrage.Orleans.Contracts.Pagination;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>A page of a list: its items and where it sits.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, Pagination Pagination);

/// <summary>
/// Paging and sorting of the host-factory lists: <c>page</c> (from 1), <c>page_size</c> (1 to <see cref="MaxPageSize"/>,
/// <see cref="DefaultPageSize"/> by default) and <c>sort</c> (<c>field:asc|desc</c>, a field the list names; ascending
/// when the direction is left out). Anything else is a 400 VALIDATION_ERROR naming the parameter. Sorting is stable:
/// items that compare equal keep the list's own order.
/// </summary>
public sealed record PageQuery(int Page, int PageSize, string? SortField, bool Descending)
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>Reads the query string; <paramref name="sortFields"/> are the fields the list sorts by.</summary>
    public static PageQuery From(IQueryCollection query, IReadOnlyCollection<string> sortFields)
    {
        int page = Whole(query, "page", 1, 1, int.MaxValue);
        int size = Whole(query, "page_size", DefaultPageSize, 1, MaxPageSize);
        var sort = query["sort"].ToString();
        if (string.IsNullOrWhiteSpace(sort)) return new PageQuery(page, size, null, false);
        var parts = sort.Split(':', 2);
        string field = parts[0].Trim();
        string direction = parts.Length == 2 ? parts[1].Trim().ToLowerInvariant() : "asc";
        if (!sortFields.Contains(field, StringComparer.Ordinal))
        {
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError,
                $"sort field '{field}' is not one of {string.Join(", ", sortFields)}.",
                new Dictionary<string, object?> { ["field"] = "sort", ["available_sort_fields"] = sortFields.ToList(), ["suggestion"] = "Use sort=field:asc or sort=field:desc" });
        }

        if (direction is not ("asc" or "desc"))
        {
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError,
                $"sort direction '{parts[1]}' must be asc or desc.", new Dictionary<string, object?> { ["field"] = "sort", ["suggestion"] = $"Use sort={field}:asc or sort={field}:desc" });
        }

        return new PageQuery(page, size, field, direction == "desc");
    }

    /// <summary>Sorts <paramref name="items"/> by the asked field (its key from <paramref name="keyOf"/>) and cuts the page.</summary>
    public Paged<T> Apply<T>(IReadOnlyList<T> items, Func<T, string, IComparable?> keyOf)
    {
        IEnumerable<T> ordered = items;
        if (SortField is { } field)
        {
            ordered = Descending
                ? items.OrderByDescending(i => keyOf(i, field), KeyComparer.Instance)
                : items.OrderBy(i => keyOf(i, field), KeyComparer.Instance);
        }

        int total = items.Count;
        int pages = total == 0 ? 0 : (int)Math.Ceiling(total / (double)PageSize);
        long skip = (long)(Page - 1) * PageSize;
        var page = skip >= total ? [] : ordered.Skip((int)skip).Take(PageSize).ToList();
        return new Paged<T>(page, new Pagination(Page, PageSize, total, pages, Page < pages, Page > 1));
    }

    private static int Whole(IQueryCollection query, string name, int fallback, int min, int max)
    {
        var raw = query[name].ToString();
        if (raw.Length == 0) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            string range = max == int.MaxValue ? $"a whole number of at least {min}" : $"a whole number from {min} to {max}";
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError, $"{name} must be {range}; got '{raw}'.",
                new Dictionary<string, object?> { ["field"] = name, ["suggestion"] = $"Use {name}={Math.Clamp(fallback, min, max)}" });
        }

        return value;
    }

    /// <summary>Orders keys of one field: nulls first, strings ordinally ignoring case, everything else by its own comparison.</summary>
    private sealed class KeyComparer : IComparer<IComparable?>
    {
        public static readonly KeyComparer Instance = new();

        public int Compare(IComparable? x, IComparable? y) => (x, y) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (string a, string b) => StringComparer.OrdinalIgnoreCase.Compare(a, b),
            _ => x.CompareTo(y),
        };
    }
}
