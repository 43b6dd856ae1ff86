using Arbitrage.Orleans.Grains.Tenancy;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>The bootstrap tenant (configuration section <c>Bootstrap</c>).</summary>
public sealed class BootstrapOptions
{
    public const string SectionName = "Bootstrap";
    public const string AdminTokenVariable = "ARBITRAGE_ADMIN_TOKEN";

    /// <summary>The id and name of the bootstrap tenant, whose admin token holds every permission.</summary>
    public string TenantId { get; set; } = "default";

    /// <summary>The credit (USD) the bootstrap tenant's default wallet starts with.</summary>
    public decimal InitialCredit { get; set; } = 100m;
}

/// <summary>
/// Makes sure the bootstrap tenant and its admin token exist once the silo is active (a silo lifecycle participant;
/// every silo does it, and the tenant grain makes it idempotent). The token is
/// <c>ARBITRAGE_ADMIN_TOKEN</c> when set; otherwise the one saved in <c>{DataDirectory}/admin-token</c>; otherwise a new
/// one, printed once and saved there with mode 0600. Only its hash is stored in the cluster.
/// </summary>
public sealed partial class AdminBootstrap(IGrainFactory grains, IOptions<BootstrapOptions> options, SiloSettings settings, ILogger<AdminBootstrap> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AdminBootstrap), ServiceLifecycleStage.Active, StartAsync);

    public string TokenFile => TokenFileIn(settings.DataDirectory);

    /// <summary>Where a generated admin token is kept (mode 0600).</summary>
    public static string TokenFileIn(string dataDirectory) => Path.Combine(dataDirectory, "admin-token");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        string token = AdminToken(out var source);
        await grains.GetGrain<ITenantGrain>(o.TenantId).EnsureBootstrap(o.TenantId, o.InitialCredit, TokenSecrets.Hash(token));
        LogReady(o.TenantId, source);
    }

    private string AdminToken(out string source)
    {
        if (Environment.GetEnvironmentVariable(BootstrapOptions.AdminTokenVariable) is { Length: > 0 } given)
        {
            source = BootstrapOptions.AdminTokenVariable;
            return given.Trim();
        }

        source = TokenFile;
        if (File.Exists(TokenFile)) return File.ReadAllText(TokenFile).Trim(); // its format was checked at start-up

        string token = TokenSecrets.NewSecret();
        Directory.CreateDirectory(settings.DataDirectory);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(TokenFile, create))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(token);
        }

        Console.WriteLine($"""

            Admin token of tenant '{options.Value.TenantId}' (shown once; saved to {Path.GetFullPath(TokenFile)}, mode 0600):
                {token}
            Use it as:  curl -H "Authorization: Bearer $(cat {TokenFile})" http://localhost:8080/v1/workloads

            """);
        return token;
    }

    [LoggerMessage(EventId = 6301, Level = LogLevel.Information, Message = "Bootstrap tenant {TenantId} is ready; its admin token comes from {Source}")]
    private partial void LogReady(string tenantId, string source);
}
