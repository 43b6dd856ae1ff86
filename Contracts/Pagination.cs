namespace Arbitrage.Orleans.Contracts;

/// <summary>The <c>pagination</c> object of a host-factory list (<c>page</c> from 1, <c>page_size</c> 1 to 200).</summary>
public sealed record Pagination(int Page, int PageSize, int TotalItems, int TotalPages, bool HasNext, bool HasPrevious);
