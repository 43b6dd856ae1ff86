using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>Where the adapter's OAuth access tokens come from (a test seam: the fake's tests use the real flow through it).</summary>
internal interface IGcpTokenSource
{
    Task<string> GetAccessTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Access tokens from Google.Apis.Auth. <c>credentials.source: file</c> reads a service-account key file and runs the
/// OAuth 2.0 JWT-bearer flow against its <c>token_uri</c> (or the <c>token</c> endpoint override); <c>default</c> and
/// <c>environment</c> use application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, the
/// metadata server of a GCE/GKE workload). The library caches a token and refreshes it before it expires.
/// </summary>
internal sealed class GoogleTokenSource(RealCloudSettings settings) : IGcpTokenSource
{
    public const string Scope = "https://www.googleapis.com/auth/cloud-platform";

    private readonly Lazy<Task<ITokenAccess>> _credential = new(() => CreateAsync(settings), LazyThreadSafetyMode.ExecutionAndPublication);

    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var credential = await _credential.Value.WaitAsync(cancellationToken);
            return await credential.GetAccessTokenForRequestAsync(null, cancellationToken);
        }
        catch (TokenResponseException e)
        {
            throw new CloudException(CloudErrorCode.Unauthorized,
                $"provider '{settings.Name}': the GCP token endpoint refused the credentials ({(int?)e.StatusCode} {e.Error?.Error}: {e.Error?.ErrorDescription}). Check credentials.file and that the service account key is not disabled.");
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException or FormatException)
        {
            throw new CloudException(CloudErrorCode.Unauthorized, $"provider '{settings.Name}': no usable GCP credentials (credentials.source '{settings.Credentials.Source}'): {e.Message}");
        }
    }

    private static async Task<ITokenAccess> CreateAsync(RealCloudSettings settings)
    {
        if (string.Equals(settings.Credentials.Source, "file", StringComparison.OrdinalIgnoreCase))
        {
            var key = await CredentialFactory.FromFileAsync<ServiceAccountCredential>(settings.Credentials.File!, CancellationToken.None);
            var initializer = new ServiceAccountCredential.Initializer(key.Id, settings.Endpoint("token")?.ToString() ?? key.TokenServerUrl)
            {
                Key = key.Key,
                KeyId = key.KeyId,
                ProjectId = key.ProjectId,
                Scopes = [Scope],
            };
            return new ServiceAccountCredential(initializer);
        }

        var credential = await GoogleCredential.GetApplicationDefaultAsync(CancellationToken.None);
        return credential.CreateScoped(Scope);
    }
}
