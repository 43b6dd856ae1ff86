using System.Runtime.CompilerServices;
using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Groups;

namespace Arbitrage.Orleans.Client;

/// <summary>
/// Groups over the SpotInst-style face (<c>/v1/spot/{account}</c>, the token also in <c>X-Auth-Token</c>): elastigroups
/// (<c>sig-…</c>) and managed instances (<c>smi-…</c>, a group of one) of an account, which is a project wallet of the
/// caller's tenant. Each call answers the group as the face shows it, with the warnings of fields stored but not acted on.
/// </summary>
public sealed class GroupsClient
{
    private readonly ApiTransport _api;

    internal GroupsClient(ApiTransport api) => _api = api;

    /// <summary>The account's elastigroups, newest first.</summary>
    public IAsyncEnumerable<SpotGroup> ListElastigroupsAsync(string account, CancellationToken cancellationToken = default) =>
        ListAsync(account, "elastigroups", cancellationToken);

    public Task<SpotGroup> GetElastigroupAsync(string account, string groupId, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Get, Path(account, "elastigroups", groupId), null, cancellationToken);

    public Task<SpotGroup> CreateElastigroupAsync(string account, ElastigroupRequest group, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Post, Path(account, "elastigroups"), ApiTransport.Json(group, CamelCaseJsonContext.Default.ElastigroupRequest), cancellationToken);

    /// <summary>Changes what <paramref name="group"/> gives (a change of capacity scales the group); what it leaves null is kept.</summary>
    public Task<SpotGroup> UpdateElastigroupAsync(string account, string groupId, ElastigroupRequest group, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Put, Path(account, "elastigroups", groupId), ApiTransport.Json(group, CamelCaseJsonContext.Default.ElastigroupRequest), cancellationToken);

    /// <summary>Drains and terminates every member; answers the group as it is then.</summary>
    public Task<SpotGroup> DeleteElastigroupAsync(string account, string groupId, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Delete, Path(account, "elastigroups", groupId), null, cancellationToken);

    /// <summary>The account's managed instances, newest first.</summary>
    public IAsyncEnumerable<SpotGroup> ListManagedInstancesAsync(string account, CancellationToken cancellationToken = default) =>
        ListAsync(account, "instances", cancellationToken);

    public Task<SpotGroup> GetManagedInstanceAsync(string account, string instanceId, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Get, Path(account, "instances", instanceId), null, cancellationToken);

    public Task<SpotGroup> CreateManagedInstanceAsync(string account, ManagedInstanceRequest instance, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Post, Path(account, "instances"), ApiTransport.Json(instance, CamelCaseJsonContext.Default.ManagedInstanceRequest), cancellationToken);

    public Task<SpotGroup> UpdateManagedInstanceAsync(string account, string instanceId, ManagedInstanceRequest instance, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Put, Path(account, "instances", instanceId), ApiTransport.Json(instance, CamelCaseJsonContext.Default.ManagedInstanceRequest), cancellationToken);

    public Task<SpotGroup> DeleteManagedInstanceAsync(string account, string instanceId, CancellationToken cancellationToken = default) =>
        OneAsync(HttpMethod.Delete, Path(account, "instances", instanceId), null, cancellationToken);

    /// <summary>The face answers a list whole (no pages).</summary>
    private async IAsyncEnumerable<SpotGroup> ListAsync(string account, string kind, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var envelope = await _api.SendAsync(HttpMethod.Get, Path(account, kind), null, CamelCaseJsonContext.Default.SpotEnvelope, cancellationToken, spot: true);
        foreach (var group in envelope.Response.Items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return group;
        }
    }

    private async Task<SpotGroup> OneAsync(HttpMethod method, string path, HttpContent? body, CancellationToken cancellationToken)
    {
        var envelope = await _api.SendAsync(method, path, body, CamelCaseJsonContext.Default.SpotEnvelope, cancellationToken, spot: true);
        return envelope.Response.Items is [var group, ..] ? group
            : throw new ArbitrageApiException(System.Net.HttpStatusCode.OK, ArbitrageApiException.UnexpectedResponse, $"{method} {path} answered no group.",
                null, envelope.Request.Id);
    }

    private static string Path(string account, string kind, string? id = null) =>
        $"/v1/spot/{ApiTransport.Segment(account)}/{kind}" + (id is null ? "" : "/" + ApiTransport.Segment(id));
}
