using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Gcp;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;

/// <summary>Settings of a real GCP provider pointed at a <see cref="FakeGcp"/>, with short delays for tests.</summary>
public static class GcpTestSettings
{
    public static RealCloudSettings For(FakeGcp fake, string mode = ProviderModes.Launch, string? keyFile = null, Func<GcpConfig, GcpConfig>? gcp = null,
        IReadOnlyList<string>? regions = null, Dictionary<string, string>? endpoints = null)
    {
        var config = new GcpConfig
        {
            Project = FakeGcp.Project,
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            OperationPollInterval = TimeSpan.FromMilliseconds(50),
            PreemptionPollInterval = TimeSpan.FromMilliseconds(100),
            RequestTimeout = TimeSpan.FromSeconds(10),
        };
        return new RealCloudSettings("gcp-test", CloudKind.Gcp, regions ?? ["us-central1"], mode,
            new CredentialsConfig { Source = "file", File = keyFile ?? fake.KeyFile },
            endpoints ?? new Dictionary<string, string> { ["compute"] = fake.BaseUrl, ["billing"] = fake.BaseUrl },
            new AwsConfig(), new AzureConfig(), gcp is null ? config : gcp(config));
    }
}
