using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;

/// <summary>
/// A local Azure for the Azure adapter: the Entra ID token endpoint (client credentials, checked against the test's
/// client id and secret), Azure Resource Manager for Microsoft.Compute virtual machines and resource SKUs and
/// Microsoft.Network interfaces (bearer tokens it issued, api-version required, request shapes checked, long-running
/// operations through Azure-AsyncOperation), and the Retail Prices API (OData filter, paged by NextPageLink). It
/// serves HTTPS with a self-signed certificate, as Azure Identity and ARM send secrets and tokens over TLS only.
/// Test hooks refuse the next launch with an Azure error, throttle the next calls with 429 and Retry-After, boot and
/// evict VMs.
/// </summary>
public sealed partial class FakeAzure : IAsyncDisposable
{
    public const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string ClientId = "0b5f0e28-7c4d-4a8e-9c11-7f3f6a1c0a01";
    public const string ClientSecret = "fake-azure-secret";
    public const string SubscriptionId = "6b1e2f4a-1c7d-4a55-9d0e-3f1a2b3c4d5e";
    public const string ResourceGroup = "arbitrage-rg";
    public const string Region = "eastus";
    public static readonly string SubnetId = $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Network/virtualNetworks/arb-vnet/subnets/default";

    /// <summary>Spot and pay-as-you-go hourly prices of the sizes the fake offers in each region.</summary>
    public static readonly IReadOnlyDictionary<string, (int VCpus, int MemoryGb, int Gpus, string[] Zones, decimal Spot, decimal OnDemand)> Sizes =
        new Dictionary<string, (int, int, int, string[], decimal, decimal)>
        {
            ["Standard_D2s_v3"] = (2, 8, 0, ["1", "2", "3"], 0.0183m, 0.096m),
            ["Standard_D4s_v3"] = (4, 16, 0, ["1", "2", "3"], 0.0366m, 0.192m),
            ["Standard_NC4as_T4_v3"] = (4, 28, 1, ["1", "2"], 0.1578m, 0.526m),
        };

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _tokens = new();
    private readonly ConcurrentDictionary<string, FakeVm> _vms = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, FakeOperation> _operations = new();
    private readonly ConcurrentQueue<(string Code, bool ViaOperation)> _launchRefusals = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private int _throttle;
    private int _throttleRetryAfter = 1;

    private FakeAzure(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
    }

    public X509Certificate2 Certificate { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The most items one page of the Retail Prices API holds (the real API: 100; small here so tests cross pages).</summary>
    public int PricePageSize { get; set; } = 2;

    /// <summary>Spot prices of this many more (made-up) sizes in the region, as the real catalog's thousands of meters (benchmarks).</summary>
    public int ExtraSpotSizes { get; set; }

    /// <summary>Records the requests it receives while on (benchmarks send them again without the adapter).</summary>
    public RequestRecorder Recorder { get; } = new();

    /// <summary>New VMs report PowerState/running as soon as their creation completes (else they stay starting until <see cref="Boot"/>).</summary>
    public bool AutoBoot { get; set; }

    public int LaunchCalls => Volatile.Read(ref _launchCalls);

    public int ThrottledCalls => Volatile.Read(ref _throttledCalls);

    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    public int PricePagesServed => Volatile.Read(ref _pricePages);

    /// <summary>Every request the fake answered, as "METHOD path?query", in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    private int _launchCalls, _throttledCalls, _tokensIssued, _pricePages;

    /// <summary>The endpoint overrides a provider needs to talk to this fake.</summary>
    public IReadOnlyDictionary<string, string> Endpoints => new Dictionary<string, string>
    {
        ["management"] = BaseAddress.ToString(),
        ["login"] = BaseAddress.ToString(),
        ["prices"] = new Uri(BaseAddress, "api/retail/prices").ToString(),
    };

    /// <summary>An HTTP handler that trusts this fake's certificate (and only it).</summary>
    public HttpMessageHandler TrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == Certificate.GetCertHashString() },
    };

    public static async Task<FakeAzure> StartAsync()
    {
        var certificate = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var fake = new FakeAzure(app, certificate);
        app.Use(fake.Recorder.InvokeAsync);
        fake.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return fake;
    }

    // Test hooks.

    /// <summary>The next VM creation fails with <paramref name="code"/>: at once (409), or through its long-running operation (as AllocationFailed does).</summary>
    public void RefuseNextLaunch(string code, bool viaOperation = false) => _launchRefusals.Enqueue((code, viaOperation));

    /// <summary>The next <paramref name="calls"/> ARM or price calls are answered 429 Too Many Requests with Retry-After.</summary>
    public void ThrottleNext(int calls, int retryAfterSeconds = 1)
    {
        _throttleRetryAfter = retryAfterSeconds;
        Volatile.Write(ref _throttle, calls);
    }

    /// <summary>What the fake does to the next calls instead of answering them: answer garbage, or answer nothing for 30 s.</summary>
    public enum Misbehaviour { Garbage, Stall }

    public void MisbehaveNext(int calls, Misbehaviour how)
    {
        _misbehaviour = how;
        Volatile.Write(ref _misbehave, calls);
    }

    private Misbehaviour? _misbehaviour;
    private int _misbehave;

    /// <summary>Takes one from a countdown of calls, if any are left.</summary>
    private static bool Take(ref int counter)
    {
        int left;
        do { left = Volatile.Read(ref counter); }
        while (left > 0 && Interlocked.CompareExchange(ref counter, left - 1, left) != left);
        return left > 0;
    }

    public bool Boot(string name) => Update(name, vm => vm.PowerState = "running");

    /// <summary>Evicts the Spot VM: it deallocates and is being deleted (eviction policy Delete); <see cref="Remove"/> finishes the deletion.</summary>
    public bool Evict(string name) => Update(name, vm => { vm.ProvisioningState = "Deleting"; vm.PowerState = "deallocating"; });

    public bool Remove(string name) => _vms.TryRemove(name, out _);

    public bool Exists(string name) => _vms.ContainsKey(name);

    public JsonObject? Body(string name) => _vms.TryGetValue(name, out var vm) ? (JsonObject)vm.Body.DeepClone() : null;

    private bool Update(string name, Action<FakeVm> change)
    {
        if (!_vms.TryGetValue(name, out var vm)) return false;
        lock (vm) change(vm);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    private sealed class FakeVm(string name, string region, JsonObject body, DateTimeOffset created)
    {
        public string Name { get; } = name;
        public string Region { get; } = region;
        public JsonObject Body { get; } = body;
        public DateTimeOffset Created { get; } = created;
        public string ProvisioningState { get; set; } = "Creating";
        public string PowerState { get; set; } = "starting";
    }

    private sealed class FakeOperation
    {
        public string? VmName { get; init; }
        public string? FailWith { get; init; }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=fake-azure", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
