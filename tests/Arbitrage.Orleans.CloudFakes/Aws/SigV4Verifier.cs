using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;

/// <summary>
/// Checks an AWS Signature Version 4 (AWS4-HMAC-SHA256) the way AWS does: rebuilds the canonical request from the
/// request as received, the string to sign from its date and credential scope, derives the signing key from the
/// secret (date, region, service, "aws4_request") and compares signatures.
/// </summary>
internal sealed class SigV4Verifier(string accessKeyId, string secretAccessKey)
{
    /// <summary>The scope's region and service when the signature holds; else the AWS error code and message to answer.</summary>
    public (bool Valid, string Region, string Service, string ErrorCode, string Message) Verify(HttpRequest request, byte[] body)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string Algorithm = "AWS4-HMAC-SHA256";
        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal)) return Refuse("MissingAuthenticationToken", "Request is missing Authentication Token");
        var parts = authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders) || !parts.TryGetValue("Signature", out var signature))
        {
            return Refuse("IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request") return Refuse("IncompleteSignature", $"Credential '{credential}' is malformed.");
        if (scope[0] != accessKeyId) return Refuse("AuthFailure", "AWS was not able to validate the provided access credentials");
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt)
            || !amzDate.StartsWith(scope[1], StringComparison.Ordinal))
        {
            return Refuse("IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope.");
        }

        if (Math.Abs((DateTime.UtcNow - signedAt).TotalMinutes) > 15) return Refuse("RequestExpired", "Request has expired.");
        var headerNames = signedHeaders.Split(';');
        if (!headerNames.Contains("host")) return Refuse("IncompleteSignature", "The host header must be signed.");
        var canonicalHeaders = new StringBuilder();
        foreach (var name in headerNames)
        {
            var value = name == "host" ? request.Host.Value : string.Join(",", request.Headers[name].Select(v => v ?? ""));
            canonicalHeaders.Append(name).Append(':').Append(string.Join(' ', (value ?? "").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))).Append('\n');
        }

        var payloadHash = request.Headers["X-Amz-Content-SHA256"].ToString();
        var bodyHash = Hex(SHA256.HashData(body));
        if (string.IsNullOrEmpty(payloadHash)) payloadHash = bodyHash;
        else if (payloadHash != bodyHash && payloadHash != "UNSIGNED-PAYLOAD") return Refuse("SignatureDoesNotMatch", "The provided x-amz-content-sha256 does not match the payload.");
        var canonicalRequest = string.Join('\n',
            request.Method,
            CanonicalPath(request.Path.Value),
            CanonicalQuery(request.QueryString.Value),
            canonicalHeaders.ToString(),
            signedHeaders,
            payloadHash);
        var stringToSign = string.Join('\n', Algorithm, amzDate, string.Join('/', scope[1..]), Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), scope[1]);
        key = Hmac(key, scope[2]);
        key = Hmac(key, scope[3]);
        key = Hmac(key, "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            return Refuse("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
        }

        return (true, scope[2], scope[3], "", "");
    }

    private static (bool, string, string, string, string) Refuse(string code, string message) => (false, "", "", code, message);

    private static string CanonicalPath(string? path) =>
        string.IsNullOrEmpty(path) ? "/" : string.Join('/', path.Split('/').Select(s => Uri.EscapeDataString(Uri.UnescapeDataString(s))));

    private static string CanonicalQuery(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?") return "";
        return string.Join('&', query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Value: p.Length > 1 ? Uri.EscapeDataString(Uri.UnescapeDataString(p[1])) : ""))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
