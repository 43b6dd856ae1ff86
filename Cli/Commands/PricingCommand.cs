using System.CommandLine;
using System.Text.Json;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Cli.Output;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary><c>arb pricing estimate|current</c> over <c>/v1/pricing</c>, through the client library's typed <see cref="PricingClient"/>.</summary>
public sealed class PricingCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("pricing", "Prices and placement estimates from the live market").With(Estimate(), Current());

    private Command Estimate()
    {
        var requirements = new RequirementOptions();
        var alternatives = new Option<int?>("--alternatives") { Description = "How many ranked alternatives (0 to 50, default 5)" };
        var command = requirements.AddTo(new Command("estimate", "The recommended placement for requirements, ranked alternatives, or why nothing fits")).With(alternatives);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var estimate = CommandParts.Json(await session.Client.Pricing.EstimateAsync(requirements.Read(parsed), parsed.GetValue(alternatives), cancellationToken),
                CamelCaseJsonContext.Default.PriceEstimate);
            if (session.Output.IsJson)
            {
                session.Output.Json(estimate);
                return;
            }

            var recommended = JsonText.Property(estimate, "recommended");
            if (recommended.ValueKind != JsonValueKind.Object)
            {
                session.Output.Line(JsonText.Get(estimate, "message"));
                var rejections = Renderer.Table("CONSTRAINT", "OFFERS REMOVED", "WHY");
                foreach (var r in JsonText.Items(estimate, "rejections")) Renderer.Row(rejections, JsonText.Get(r, "constraint"), JsonText.Get(r, "removed"), JsonText.Get(r, "message"));
                session.Output.Write(rejections);
                return;
            }

            var table = Renderer.Table("#", "PROVIDER", "REGION", "ZONE", "INSTANCE TYPE", "MARKET", "VCPU", "GB", "GPU", "USD/H", "EXPECTED USD/H", "INTERRUPTION", "WHY");
            int rank = 0;
            foreach (var o in new[] { recommended }.Concat(JsonText.Items(estimate, "alternatives")))
            {
                Renderer.Row(table, rank++ == 0 ? "best" : rank.ToString(System.Globalization.CultureInfo.InvariantCulture), JsonText.Get(o, "providerName"), JsonText.Get(o, "region"),
                    JsonText.Get(o, "zone"), JsonText.Get(o, "instanceType"), JsonText.Get(o, "market"), JsonText.Get(o, "vCpus"), JsonText.Get(o, "memoryGb"),
                    Gpu(o), JsonText.Get(o, "pricePerHour"), JsonText.Get(o, "expectedCostPerHour"), JsonText.Get(o, "interruptionRate"), JsonText.Get(o, "reason"));
            }

            session.Output.Write(table);
            session.Output.Note($"{JsonText.Get(estimate, "offersAccepted")} of {JsonText.Get(estimate, "offersConsidered")} offers fit.");
        });
        return command;
    }

    private Command Current()
    {
        var provider = new Option<string?>("--provider") { Description = "Only this provider" };
        var region = new Option<string?>("--region") { Description = "Only this region" };
        var instanceType = new Option<string?>("--instance-type") { Description = "Only this instance type" };
        var limit = CommandParts.Limit("prices", 500);
        var cursor = CommandParts.Cursor();
        var command = new Command("current", "Current spot and on-demand prices").With(provider, region, instanceType, limit, cursor);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var query = new CurrentPriceQuery(parsed.GetValue(provider), parsed.GetValue(region), parsed.GetValue(instanceType), parsed.GetValue(limit));
            var page = CommandParts.Json(await session.Client.Pricing.GetCurrentPageAsync(query, parsed.GetValue(cursor), cancellationToken), CamelCaseJsonContext.Default.SpotPriceList);
            if (session.Output.IsJson)
            {
                session.Output.Json(page);
                return;
            }

            var table = Renderer.Table("PROVIDER", "REGION", "ZONE", "INSTANCE TYPE", "VCPU", "GB", "GPU", "SPOT USD/H", "ON-DEMAND USD/H", "INTERRUPTION", "UPDATED");
            foreach (var p in JsonText.Items(page, "prices"))
            {
                Renderer.Row(table, JsonText.Get(p, "providerName"), JsonText.Get(p, "region"), JsonText.Get(p, "zone"), JsonText.Get(p, "instanceType"), JsonText.Get(p, "vCpus"),
                    JsonText.Get(p, "memoryGb"), Gpu(p), JsonText.Get(p, "spotPricePerHour"), JsonText.Get(p, "onDemandPricePerHour"), JsonText.Get(p, "interruptionRate"),
                    JsonText.Time(p, "updatedAt"));
            }

            session.Output.Write(table);
            session.Output.Note($"{JsonText.Get(page, "total")} prices in all.");
            session.Output.NextPage(JsonText.String(page, "nextCursor"));
        });
        return command;
    }

    private static string Gpu(JsonElement offer) =>
        JsonText.Get(offer, "gpuCount") is "0" or JsonText.None ? JsonText.None : $"{JsonText.Get(offer, "gpuCount")} {JsonText.Get(offer, "gpuType")}";
}
