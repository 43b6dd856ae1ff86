using System.Text.Json;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Azure;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;

/// <summary>Settings and options that point the Azure adapter at a <see cref="FakeAzure"/>.</summary>
public static class AzureTesting
{
    /// <summary>A credentials file (source <c>file</c>) with the fake's service principal, or another secret.</summary>
    public static string WriteSecrets(string secret = FakeAzure.ClientSecret)
    {
        string path = Path.Combine(Path.GetTempPath(), $"azure-sp-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { tenantId = FakeAzure.TenantId, clientId = FakeAzure.ClientId, clientSecret = secret }));
        return path;
    }

    public static AzureAdapterOptions Options(FakeAzure fake) => new()
    {
        CreateHttpHandler = fake.TrustingHandler,
        RetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetries = 3,
        EvictionPollInterval = TimeSpan.FromMilliseconds(200),
    };

    public static RealCloudSettings Settings(FakeAzure fake, string secretsFile, string mode = ProviderModes.Launch, string name = "azure-test") => new(
        name,
        CloudKind.Azure,
        [FakeAzure.Region],
        mode,
        new CredentialsConfig { Source = "file", File = secretsFile },
        fake.Endpoints,
        new AwsConfig(),
        new AzureConfig
        {
            SubscriptionId = FakeAzure.SubscriptionId,
            TenantId = FakeAzure.TenantId,
            ResourceGroup = FakeAzure.ResourceGroup,
            SubnetId = FakeAzure.SubnetId,
            SshPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests arbitrage@test",
        },
        new GcpConfig());
}
