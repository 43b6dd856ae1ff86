using Arbitrage.Orleans.Silo.Hosting;

// The silo: Orleans on PostgreSQL (started for you under ./.data unless ConnectionStrings:Arbitrage is set, or in
// memory with --storage memory), with the HTTP gateway and the Orleans dashboard co-hosted; or, with Role=gateway,
// the gateway alone as an Orleans client of the cluster in that database.
if (args is ["new-admin-token"])
{
    Console.WriteLine(Arbitrage.Orleans.Grains.Tenancy.TokenSecrets.NewSecret()); // for ARBITRAGE_ADMIN_TOKEN shared by several silos
    return 0;
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    var settings = SiloSettings.From(builder.Configuration);
    await using var database = settings.NeedsLocalDatabase
        ? await LocalPostgres.StartAsync(new LocalPostgresOptions(Path.Combine(settings.DataDirectory, "postgres")), Console.Out, CancellationToken.None)
        : null;
    if (database is not null) builder.Services.AddLocalPostgresSupervisor(database, builder.Configuration); // before Orleans: stops after it
    var app = SiloApplication.Build(builder, settings, database?.ConnectionString ?? settings.ConnectionString);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.Describe(e) is { } reason)
{
    Console.Error.WriteLine($"The silo cannot start: {reason}");
    return 2;
}
catch (Exception e)
{
    Console.Error.WriteLine($"The silo stopped on an unexpected error: {e}");
    return 1;
}
