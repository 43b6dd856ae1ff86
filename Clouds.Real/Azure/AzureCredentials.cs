using System.Text.Json;
using Azure.Core;
using Azure.Identity;

namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// The Entra ID credential of a provider: <c>default</c> is the SDK's chain (environment, workload identity, managed
/// identity, Azure CLI...), <c>environment</c> reads AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, and
/// <c>file</c> reads a service principal's secret from a JSON file (<c>{"tenantId", "clientId", "clientSecret"}</c>),
/// which keeps several providers (and tests) apart in one process.
/// </summary>
internal static class AzureCredentials
{
    private sealed record SecretFile(string? TenantId, string? ClientId, string? ClientSecret);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>What is wrong with a credentials file, or null.</summary>
    public static string? CheckFile(string path, string? tenantFromSettings)
    {
        SecretFile? file;
        try { file = JsonSerializer.Deserialize<SecretFile>(File.ReadAllText(path), Json); }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException) { return $"cannot be read as JSON ({e.Message})"; }

        if (file is null) return "is empty";
        if (string.IsNullOrWhiteSpace(file.TenantId ?? tenantFromSettings)) return "tenantId is missing (here or in azure.tenantId)";
        if (string.IsNullOrWhiteSpace(file.ClientId)) return "clientId is missing";
        if (string.IsNullOrWhiteSpace(file.ClientSecret)) return "clientSecret is missing";
        return null;
    }

    public static TokenCredential Create(RealCloudSettings settings, Func<TokenCredentialOptions, TokenCredentialOptions> configure)
    {
        var login = settings.Endpoint("login");
        switch (settings.Credentials.Source.ToLowerInvariant())
        {
            case "file":
                var file = JsonSerializer.Deserialize<SecretFile>(File.ReadAllText(settings.Credentials.File!), Json)!;
                var secretOptions = (ClientSecretCredentialOptions)configure(new ClientSecretCredentialOptions());
                if (login is not null)
                {
                    secretOptions.AuthorityHost = login;
                    // A private or local token endpoint is not in Entra's list of known authorities.
                    secretOptions.DisableInstanceDiscovery = true;
                }

                return new ClientSecretCredential(file.TenantId ?? settings.Azure.TenantId, file.ClientId, file.ClientSecret, secretOptions);
            case "environment":
                var environmentOptions = configure(new EnvironmentCredentialOptions());
                if (login is not null) environmentOptions.AuthorityHost = login;
                return new EnvironmentCredential(environmentOptions);
            default:
                var defaultOptions = (DefaultAzureCredentialOptions)configure(new DefaultAzureCredentialOptions());
                if (login is not null) defaultOptions.AuthorityHost = login;
                if (settings.Azure.TenantId is { } tenant) defaultOptions.TenantId = tenant;
                return new DefaultAzureCredential(defaultOptions);
        }
    }
}
