using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts;

/// <summary>The <c>pagination</c> object of a host-factory list (<c>page</c> from 1, <c>page_size</c> 1 to 200).</summary>
public sealed record Pagination(
    int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("total_items")] int TotalItems,
    [property: JsonPropertyName("total_pages")] int TotalPages,
    [property: JsonPropertyName("has_next")] bool HasNext,
    [property: JsonPropertyName("has_previous")] bool HasPrevious);
