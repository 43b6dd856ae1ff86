using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Aws;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;

/// <summary>
/// An AWS provider pointed at a <see cref="FakeAws"/>: its endpoints overridden to the fake, its keys in an AWS
/// credentials file the test writes (credentials source <c>file</c>, so no process-wide environment is touched).
/// </summary>
public sealed class AwsTestProvider : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("arbitrage-aws-").FullName;

    public AwsTestProvider(FakeAws fake, string accessKeyId = FakeAws.AccessKeyId, string secret = FakeAws.SecretAccessKey)
    {
        CredentialsFile = Path.Combine(_folder, "credentials");
        File.WriteAllText(CredentialsFile, $"[default]\naws_access_key_id = {accessKeyId}\naws_secret_access_key = {secret}\n");
        Settings = new RealCloudSettings(
            "aws-test",
            CloudKind.Aws,
            [FakeAws.Region],
            ProviderModes.Launch,
            new CredentialsConfig { Source = "file", File = CredentialsFile },
            new Dictionary<string, string> { ["ec2"] = fake.Url.ToString(), ["sqs"] = fake.Url.ToString() },
            new AwsConfig { InterruptionQueueUrl = fake.QueueUrl },
            new AzureConfig(),
            new GcpConfig());
    }

    public string CredentialsFile { get; }

    public RealCloudSettings Settings { get; set; }

    /// <summary>Retries as configured by default; a one-second long poll so watchers stop promptly.</summary>
    public static AwsAdapterOptions Options() => new()
    {
        MarketDataDirectory = SharedData.Directory,
        QueueWaitTime = TimeSpan.FromSeconds(1),
        PollRetryDelay = TimeSpan.FromMilliseconds(200),
    };

    public static AwsCloudAdapterFactory Factory(AwsAdapterOptions? options = null) => new(options ?? Options(), TimeProvider.System, NullLoggerFactory.Instance);

    public ICloudAdapter CreateAdapter(AwsAdapterOptions? options = null) => Factory(options).Create(Settings);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
