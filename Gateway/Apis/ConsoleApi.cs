using System.Collections.Frozen;
using System.Security.Cryptography;
using Arbitrage.Orleans.Gateway.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The web console at <c>/console</c>: plain HTML, JavaScript modules and CSS embedded in this assembly (no build
/// step), served to anyone. The page asks for an API token and sends it with every API call itself, so the files hold
/// nothing secret; what a caller may see is decided by the API routes as for any client.
/// </summary>
public static class ConsoleApi
{
    public const string Path = "/console";
    private const string ResourcePrefix = "console/";

    private static readonly FrozenDictionary<string, ConsoleFile> Files = Load();

    /// <summary>One embedded file: its bytes, content type and a strong ETag of its content.</summary>
    private sealed record ConsoleFile(byte[] Body, string ContentType, string ETag);

    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(Path + "/{**file}", Serve)
            .AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        return routes;
    }

    private static IResult Serve(string? file, HttpContext context)
    {
        // The page's relative module URLs need the trailing slash (the route matches /console without it too).
        if (string.IsNullOrEmpty(file) && !context.Request.Path.Value!.EndsWith('/')) return Results.Redirect(Path + "/", permanent: false);
        string name = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!Files.TryGetValue(name, out var found))
        {
            throw ApiErrorException.NotFound(ErrorCodes.NotFound, $"The console has no file '{(name.Length > 80 ? name[..80] + "…" : name)}'; open {Path}/.");
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = found.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        if (context.Request.Headers.IfNoneMatch == found.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(found.Body, found.ContentType);
    }

    private static FrozenDictionary<string, ConsoleFile> Load()
    {
        var assembly = typeof(ConsoleApi).Assembly;
        var files = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var body = copy.ToArray();
            string name = resource[ResourcePrefix.Length..].Replace('\\', '/');
            files[name] = new ConsoleFile(body, ContentType(name), $"\"{Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 12))}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => System.IO.Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };
}
