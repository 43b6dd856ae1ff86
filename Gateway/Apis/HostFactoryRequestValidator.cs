using Arbitrage.Orleans.Contracts.Providers;
using Arbitrage.Orleans.Contracts.Requests;
using Arbitrage.Orleans.Contracts.Templates;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.HostFactory;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The checks of the host-factory API's request bodies; each refusal is a 400 VALIDATION_ERROR naming the field as the
/// request spells it (a new request in the seed's spelling, <c>maxNumber</c>, or the record's, <c>max_number</c>).
/// </summary>
public sealed class HostFactoryRequestValidator :
    IRequestValidator<CreateMachinesRequest>, IRequestValidator<ValidateProvidersRequest>, IRequestValidator<SelectProviderRequest>,
    IRequestValidator<ValidateTemplateRequest>, IRequestValidator<ValidateTemplateMultiRequest>, IRequestValidator<MigrateTemplatesRequest>
{
    /// <summary>The seed's names of a new request's fields, beside the record's (snake_case) names.</summary>
    public static readonly IReadOnlyList<(string Seed, string Record)> SeedSpelling =
        [("templateId", "template_id"), ("maxNumber", "max_number"), ("providerPreference", "provider_preference")];

    /// <summary>The seed's names of a provider preference's fields, also read.</summary>
    public static readonly IReadOnlyList<(string Seed, string Record)> PreferenceSeedSpelling =
        [("providerInstance", "provider_instance"), ("providerType", "provider_type"), ("providerApi", "provider_api")];

    /// <summary>Registers the validator for every request it checks.</summary>
    public static IServiceCollection AddTo(IServiceCollection services)
    {
        var validator = new HostFactoryRequestValidator();
        services.AddSingleton<IRequestValidator<CreateMachinesRequest>>(validator);
        services.AddSingleton<IRequestValidator<ValidateProvidersRequest>>(validator);
        services.AddSingleton<IRequestValidator<SelectProviderRequest>>(validator);
        services.AddSingleton<IRequestValidator<ValidateTemplateRequest>>(validator);
        services.AddSingleton<IRequestValidator<ValidateTemplateMultiRequest>>(validator);
        services.AddSingleton<IRequestValidator<MigrateTemplatesRequest>>(validator);
        return services;
    }

    public void Validate(CreateMachinesRequest request, IServiceProvider services) => Validate(request, SeedSpelling.Select(s => s.Record).ToHashSet());

    /// <summary>
    /// A new request: a template id, at least one machine, a known strategy and provider filters of sensible length. A
    /// field is named as the body spelled it: the record's name for the fields in <paramref name="recordSpelled"/>, else the seed's.
    /// </summary>
    public static void Validate(CreateMachinesRequest request, IReadOnlySet<string> recordSpelled)
    {
        string Name(string record) => recordSpelled.Contains(record) ? record : SeedSpelling.First(s => s.Record == record).Seed;
        string templateField = Name("template_id"), countField = Name("max_number"), preferenceField = Name("provider_preference");
        RequestRules.RequiredString(templateField, request.TemplateId, 128);
        if (request.MaxNumber < 1)
        {
            throw ApiErrorException.Validation(countField, request.MaxNumber == 0
                ? $"{countField} is required: how many machines to launch (at least 1)."
                : $"{countField} must be at least 1; got {request.MaxNumber}.");
        }

        if (request.ProviderPreference is not { } preference) return;
        if (preference.Type is not null && !SelectionStrategies.All.Contains(preference.Type))
        {
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError,
                $"{preferenceField}.type '{preference.Type}' is not one of {string.Join(", ", SelectionStrategies.All)}.",
                new Dictionary<string, object?> { ["field"] = $"{preferenceField}.type", ["available_strategies"] = SelectionStrategies.All });
        }

        RequestRules.MaxLength($"{preferenceField}.provider_instance", preference.ProviderInstance, 128);
        RequestRules.MaxLength($"{preferenceField}.provider_type", preference.ProviderType, 32);
        RequestRules.MaxLength($"{preferenceField}.provider_api", preference.ProviderApi, 128);
    }

    /// <summary><c>configured: true</c> with provider names, or 1 to <see cref="ProvidersApi.MaxDefinitions"/> definitions (else 400 INVALID_CONFIGURATION).</summary>
    public void Validate(ValidateProvidersRequest request, IServiceProvider services)
    {
        if (request.Configured is true)
        {
            RequestRules.Strings("provider_names", request.ProviderNames, ProvidersApi.MaxDefinitions);
            return;
        }

        if (request.Providers is not { Count: > 0 and <= ProvidersApi.MaxDefinitions } providers || providers.Any(p => p.ValueKind != System.Text.Json.JsonValueKind.Object))
        {
            throw NoProviderDefinitions();
        }
    }

    /// <summary>A <c>providers</c> that is not a list is no list of definitions (400 INVALID_CONFIGURATION), rather than a field of the wrong type.</summary>
    void IRequestValidator<ValidateProvidersRequest>.ValidateJson(System.Text.Json.JsonElement body)
    {
        if (body.TryGetProperty("providers", out var list) && list.ValueKind != System.Text.Json.JsonValueKind.Array) throw NoProviderDefinitions();
    }

    /// <summary>The refusal of a validation body without a list of provider definitions.</summary>
    public static ApiErrorException NoProviderDefinitions() =>
        new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidConfiguration,
            $"The body must be {{\"providers\": [...]}} with 1 to {ProvidersApi.MaxDefinitions} provider definitions.",
            new Dictionary<string, object?>
            {
                ["field"] = "providers",
                ["suggestion"] = "Send the providers file's content: {\"providers\": [{\"name\": \"aws-test\", \"type\": \"aws\", ...}]}, or {\"configured\": true} to check the configured providers",
            });

    /// <summary>A selection dry run: a known strategy and filters of sensible length (what the strategy needs is checked against the template by the route).</summary>
    public void Validate(SelectProviderRequest request, IServiceProvider services)
    {
        RequestRules.MaxLength("template_id", request.TemplateId, 256);
        RequestRules.MaxLength("provider_instance", request.ProviderInstance, 128);
        RequestRules.MaxLength("provider_type", request.ProviderType, 32);
        RequestRules.MaxLength("provider_api", request.ProviderApi, 128);
        if (request.SelectionStrategy is { } strategy && !SelectionStrategies.All.Contains(strategy))
        {
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError,
                $"selection_strategy '{strategy}' is not one of {string.Join(", ", SelectionStrategies.All)}.",
                new Dictionary<string, object?> { ["field"] = "selection_strategy", ["available_strategies"] = SelectionStrategies.All });
        }
    }

    public void Validate(ValidateTemplateRequest request, IServiceProvider services)
    {
        RequestRules.MaxLength("provider_instance", request.ProviderInstance, 128);
        Level(request.ValidationLevel);
    }

    public void Validate(ValidateTemplateMultiRequest request, IServiceProvider services)
    {
        if (request.ProviderInstances is not { Count: > 0 })
        {
            throw ApiErrorException.Validation("provider_instances", $"provider_instances is required: 1 to {TemplatesApi.MaxProviders} provider instance names.");
        }

        RequestRules.Strings("provider_instances", request.ProviderInstances, TemplatesApi.MaxProviders);
        foreach (var instance in request.ProviderInstances) RequestRules.MaxLength("provider_instances", instance, 128);
        Level(request.ValidationLevel);
    }

    public void Validate(MigrateTemplatesRequest request, IServiceProvider services)
    {
        RequestRules.RequiredString("from", request.From, 256);
        RequestRules.RequiredString("to_provider", request.ToProvider, 128);
    }

    private static void Level(string? level)
    {
        if (level is not (null or "strict" or "lenient")) throw ApiErrorException.Validation("validation_level", $"validation_level must be strict or lenient; got '{level}'.");
    }
}
