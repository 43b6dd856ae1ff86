namespace Arbitrage.Orleans.Grains.HostFactory;

/// <summary>The host-factory API's error codes (providers, templates, requests), each with the HTTP status it answers with.</summary>
public static class HostFactoryErrorCodes
{
    // Provider errors
    public const string ProviderNotFound = "PROVIDER_NOT_FOUND";
    public const string ProviderDisabled = "PROVIDER_DISABLED";
    public const string NoEnabledProviders = "NO_ENABLED_PROVIDERS";
    public const string ProviderTypeMismatch = "PROVIDER_TYPE_MISMATCH";

    // Template errors
    public const string TemplateNotFound = "TEMPLATE_NOT_FOUND";
    public const string TemplateInvalid = "TEMPLATE_INVALID";
    public const string ApiNotSupported = "API_NOT_SUPPORTED";
    public const string InstanceLimitExceeded = "INSTANCE_LIMIT_EXCEEDED";

    // Configuration errors
    public const string InvalidConfiguration = "INVALID_CONFIGURATION";
    public const string FileNotFound = "FILE_NOT_FOUND";
    public const string ParseError = "PARSE_ERROR";

    // Templates written over the API (the product's own, beside the seed's)
    /// <summary>POST of a template whose id the API layer already holds (PUT replaces it).</summary>
    public const string TemplateExists = "TEMPLATE_EXISTS";

    /// <summary>DELETE of a template only files define: it is removed from its files.</summary>
    public const string TemplateReadOnly = "TEMPLATE_READ_ONLY";

    /// <summary>The API layer holds as many templates as <c>Market:MaxApiTemplates</c> allows.</summary>
    public const string TemplateStoreFull = "TEMPLATE_STORE_FULL";

    /// <summary>Not found is 404, a malformed configuration 400, anything the request asks that the providers cannot give 422.</summary>
    public static int StatusOf(string code) => code switch
    {
        ProviderNotFound or TemplateNotFound or FileNotFound => 404,
        InvalidConfiguration or ParseError => 400,
        TemplateExists or TemplateReadOnly or TemplateStoreFull => 409,
        _ => 422,
    };
}

/// <summary>
/// A host-factory request the providers cannot serve, with the seed's code and details (<c>available_providers</c>,
/// <c>suggestion</c>, …; snake_case keys). The gateway answers it in the API's error shape.
/// </summary>
public sealed class HostFactoryException(string code, string message, IReadOnlyDictionary<string, object?> details) : Exception(message)
{
    public string Code { get; } = code;
    public IReadOnlyDictionary<string, object?> Details { get; } = details;
    public int Status => HostFactoryErrorCodes.StatusOf(Code);

    /// <summary>PROVIDER_NOT_FOUND for <paramref name="name"/>, listing the configured providers.</summary>
    public static HostFactoryException ProviderNotFound(string name, IEnumerable<string> available) =>
        new(HostFactoryErrorCodes.ProviderNotFound, $"Provider instance '{name}' not found in configuration.",
            new Dictionary<string, object?>
            {
                ["requested_provider"] = name,
                ["available_providers"] = available.ToList(),
                ["suggestion"] = "Use 'GET /api/v1/providers' to see available providers",
            });
}
