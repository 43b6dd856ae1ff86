using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>One limit: at most <see cref="PermitLimit"/> requests per fixed <see cref="Window"/>.</summary>
public sealed class RateLimitRule
{
    public int PermitLimit { get; set; }
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>The API's request limits (configuration section <c>RateLimits</c>), per token and per client address.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>The service key of a <see cref="TimeProvider"/> the windows follow instead of the host's (a test seam).</summary>
    public const string ClockKey = "rate-limits";

    /// <summary>Off only for trusted benchmarks; on by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Per presented token (its Authorization header), whoever sends it.</summary>
    public RateLimitRule PerToken { get; set; } = new() { PermitLimit = 600 };

    /// <summary>Per client address (the connection's remote address), tokens or not: it bounds token guessing.</summary>
    public RateLimitRule PerAddress { get; set; } = new() { PermitLimit = 1200 };

    /// <summary>Per client and class of operation (the host-factory API's budgets), on top of the two above.</summary>
    public RateLimitClasses Classes { get; set; } = new();

    public IEnumerable<string> Problems()
    {
        var rules = new[] { (nameof(PerToken), PerToken), (nameof(PerAddress), PerAddress) }
            .Concat(Classes.All.Select(c => ($"{nameof(Classes)}:{c.Name}", c.Rule)));
        foreach (var (name, rule) in rules)
        {
            if (rule.PermitLimit < 1) yield return $"{SectionName}:{name}:PermitLimit must be at least 1 (was {rule.PermitLimit}).";
            if (rule.Window < TimeSpan.FromSeconds(1)) yield return $"{SectionName}:{name}:Window must be at least one second (was {rule.Window}).";
        }
    }
}

/// <summary>
/// The budgets per class of operation (configuration <c>RateLimits:Classes:&lt;class&gt;</c>), per client (its token, or its
/// address without one): a route names its class with <see cref="RateLimitClassExtensions.WithRateLimitClass{TBuilder}"/>.
/// </summary>
public sealed class RateLimitClasses
{
    public const string ProvidersName = "providers";
    public const string TemplatesName = "templates";
    public const string RequestsName = "requests";
    public const string ValidationName = "validation";

    /// <summary>Provider operations: listing, details, capabilities, selection.</summary>
    public RateLimitRule Providers { get; set; } = new() { PermitLimit = 100 };

    /// <summary>Template operations.</summary>
    public RateLimitRule Templates { get; set; } = new() { PermitLimit = 200 };

    /// <summary>Request creation.</summary>
    public RateLimitRule Requests { get; set; } = new() { PermitLimit = 50 };

    /// <summary>Validation of provider definitions and templates.</summary>
    public RateLimitRule Validation { get; set; } = new() { PermitLimit = 500 };

    public IEnumerable<(string Name, RateLimitRule Rule)> All =>
        [(ProvidersName, Providers), (TemplatesName, Templates), (RequestsName, Requests), (ValidationName, Validation)];

    public RateLimitRule? Find(string name) => All.FirstOrDefault(c => c.Name == name).Rule;
}

/// <summary>The class of operation a route's requests count against (endpoint metadata).</summary>
public sealed record RateLimitClass(string Name);

public static class RateLimitClassExtensions
{
    /// <summary>Counts the route's requests against the budget of <paramref name="name"/> (one of <see cref="RateLimitClasses"/>' names).</summary>
    public static TBuilder WithRateLimitClass<TBuilder>(this TBuilder builder, string name) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RateLimitClass(name));
}

/// <summary>
/// The API's rate limits on Microsoft.AspNetCore.RateLimiting: a chained global limiter, per client address first (so
/// floods of guessed tokens stop before any token is looked up), then per token. Each is a fixed window aligned to the
/// clock (a partition per key and window), so <c>X-RateLimit-Reset</c> is exact. A route of a class of operation
/// (<see cref="RateLimitClass"/>) is also held to that class's budget per client. Every limited response carries
/// <c>X-RateLimit-Limit</c>, <c>-Remaining</c>, <c>-Reset</c> (Unix seconds) and <c>-Window</c> (seconds) for the
/// tighter of the two; a refused one is 429 <c>RATE_LIMITED</c> with <c>Retry-After</c>.
/// Health, readiness, the OpenAPI document and the dashboard are not limited.
/// </summary>
public sealed class ApiRateLimits
{
    private readonly TimeProvider _time;
    private readonly (Func<HttpContext, string> Name, Func<HttpContext, RateLimitRule?> RuleOf, PartitionedRateLimiter<HttpContext> Limiter)[] _limits;

    public ApiRateLimits(RateLimitOptions options, TimeProvider time)
    {
        _time = time;
        var classes = options.Classes;
        _limits =
        [
            (_ => "address", _ => options.PerAddress, Partitioned(_ => options.PerAddress, c => Address(c))),
            (_ => "token", _ => options.PerToken, Partitioned(_ => options.PerToken, c => Token(c))),
            (c => ClassOf(c) ?? "class", c => ClassOf(c) is { } name ? classes.Find(name) : null,
                Partitioned(c => ClassOf(c) is { } name ? classes.Find(name) : null, c => $"{ClassOf(c)}|{Token(c) ?? Address(c)}")),
        ];
        Global = PartitionedRateLimiter.CreateChained(_limits.Select(l => l.Limiter).ToArray());
    }

    public PartitionedRateLimiter<HttpContext> Global { get; }

    private static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string? Token(HttpContext context) =>
        context.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h[..Math.Min(h.Length, 256)] : null;

    private static string? ClassOf(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<RateLimitClass>()?.Name;

    private PartitionedRateLimiter<HttpContext> Partitioned(Func<HttpContext, RateLimitRule?> ruleOf, Func<HttpContext, string?> keyOf) =>
        PartitionedRateLimiter.Create<HttpContext, (string Key, long Window)>(context =>
            ruleOf(context) is { } rule && keyOf(context) is { } key
                ? RateLimitPartition.GetFixedWindowLimiter((key, WindowOf(rule)), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = rule.PermitLimit, Window = rule.Window, QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(("", -1L)));

    private long WindowOf(RateLimitRule rule) => _time.GetUtcNow().ToUnixTimeMilliseconds() / (long)rule.Window.TotalMilliseconds;

    private DateTimeOffset ResetOf(RateLimitRule rule) => DateTimeOffset.FromUnixTimeMilliseconds((WindowOf(rule) + 1) * (long)rule.Window.TotalMilliseconds);

    /// <summary>Sets the X-RateLimit-* headers of the limit closest to refusing this request.</summary>
    public void WriteHeaders(HttpContext context)
    {
        foreach (var (name, value) in Headers(context)) context.Response.Headers[name] = value;
    }

    /// <summary>The X-RateLimit-* headers of the limit closest to refusing this request.</summary>
    private IEnumerable<(string Name, string Value)> Headers(HttpContext context)
    {
        RateLimitRule? tightest = null;
        long remaining = long.MaxValue;
        foreach (var (_, ruleOf, limiter) in _limits)
        {
            if (ruleOf(context) is not { } rule || limiter.GetStatistics(context) is not { } stats) continue;
            if (stats.CurrentAvailablePermits < remaining || tightest is null)
            {
                remaining = stats.CurrentAvailablePermits;
                tightest = rule;
            }
        }

        if (tightest is null) yield break;
        yield return ("X-RateLimit-Limit", tightest.PermitLimit.ToString(CultureInfo.InvariantCulture));
        yield return ("X-RateLimit-Remaining", Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture));
        yield return ("X-RateLimit-Reset", ResetOf(tightest).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        yield return ("X-RateLimit-Window", ((long)tightest.Window.TotalSeconds).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Answers a refused request: 429 RATE_LIMITED with Retry-After until the refusing window ends.</summary>
    public async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var refusing = _limits.FirstOrDefault(l => l.RuleOf(context) is not null && l.Limiter.GetStatistics(context) is { CurrentAvailablePermits: <= 0 });
        if (refusing.Limiter is null) refusing = _limits[0];
        var rule = refusing.RuleOf(context)!;
        string name = refusing.Name(context);
        long retryAfter = Math.Max(1, (long)Math.Ceiling((ResetOf(rule) - _time.GetUtcNow()).TotalSeconds));
        var error = new ApiErrorException(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
            $"Too many requests for {(name is "address" or "token" ? $"this {name}" : $"'{name}' operations by this client")}: at most {rule.PermitLimit} per {rule.Window.TotalSeconds:0} s; retry after {retryAfter} s.",
            new Dictionary<string, object?> { ["limit"] = name, ["retryAfterSeconds"] = retryAfter });
        foreach (var (header, value) in Headers(context)) error.WithHeader(header, value);
        error.WithHeader("Retry-After", retryAfter.ToString(CultureInfo.InvariantCulture));
        await ApiErrorMiddleware.WriteAsync(context, error);
    }
}

/// <summary>Puts the X-RateLimit-* headers on every response the limiter let through.</summary>
public sealed class RateLimitHeadersMiddleware(RequestDelegate next, ApiRateLimits limits)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<DisableRateLimitingAttribute>() is null) limits.WriteHeaders(context);
        return next(context);
    }
}
