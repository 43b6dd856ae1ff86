using Arbitrage.Orleans.Contracts.Tokens;
using CreateTokenRequest = Arbitrage.Orleans.Contracts.Tokens.CreateTokenRequest;
using Arbitrage.Orleans.Gateway.Http;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>What a new token must be (<c>POST /v1/tokens</c>): a name, known permissions, and at most one expiry, in the future.</summary>
public sealed class TokenRequestRules : IRequestValidator<CreateTokenRequest>
{
    public void Validate(CreateTokenRequest request, IServiceProvider services)
    {
        RequestRules.RequiredString("name", request.Name, 128);
        var permissions = request.Permissions;
        if (permissions is null) throw ApiErrorException.Validation("permissions", "permissions is required: a list such as [\"workloads:read\"].");
        if (permissions.Count == 0) throw ApiErrorException.Validation("permissions", "permissions must name at least one permission.");
        if (permissions.Count > Permissions.All.Count) throw ApiErrorException.Validation("permissions", $"permissions has more than {Permissions.All.Count} items.");
        if (permissions.FirstOrDefault(p => !Permissions.IsKnown(p)) is { } unknown)
        {
            throw ApiErrorException.Validation("permissions", $"'{unknown}' is not a permission; known: {string.Join(", ", Permissions.All)}.");
        }

        if (request.ExpiresInDays is < 1 or > 3650) throw ApiErrorException.Validation("expiresInDays", $"expiresInDays must be between 1 and 3650; got {request.ExpiresInDays}.");
        if (request.ExpiresInDays is not null && request.ExpiresAt is not null) throw ApiErrorException.Validation("expiresAt", "Give expiresAt or expiresInDays, not both.");
        var now = (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        if (request.ExpiresAt <= now) throw ApiErrorException.Validation("expiresAt", $"expiresAt must be in the future (was {request.ExpiresAt:u}).");
    }
}
