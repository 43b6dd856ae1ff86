using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Groups;

/// <summary>
/// The cluster-platform face over real HTTP on a real silo and PostgreSQL: provision raises a node group's target and
/// names the new nodes, discover lists them with their agent addresses, deprovision drains one node and lowers the
/// target, attributes are merged onto the nodes, and bad input is refused naming the field.
/// </summary>
[Collection(GroupFacesCollection.Name)]
public sealed class PlatformApiTests(GroupFacesSilo silo)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private static string Provision(string cluster, int desired, string nodeGroup = "data", string nodeClass = "t3.micro") => $$"""
        {
          "cluster": {
            "attributes": {"zone_hint": "east", "tier": "cluster", "replicas": 3},
            "cluster_id": "{{cluster}}",
            "store": "mongodb",
            "store_version": "7.0",
            "nodes": {
              "data": {"attributes": {"tier": "data"}, "desired_count": {{desired}}, "node_class": "{{nodeClass}}", "version": "7.0.2"},
              "arbiter": {"attributes": {}, "desired_count": 1, "node_class": "2cpu-4gb", "version": null}
            }
          },
          "provision": {"node_group_id": "{{nodeGroup}}"}
        }
        """;

    private async Task<HttpClient> NewTenantAsync() => silo.CheckedClient((await silo.NewTenantAsync(1000)).Token);

    private static async Task<List<(string NodeId, string Address)>> NodesAsync(HttpClient http, string cluster)
    {
        var (response, body) = await Api.GetAsync(http, "/discover");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var found = body.GetProperty("clusters").EnumerateArray().Where(c => c.GetProperty("cluster_id").GetString() == cluster).ToList();
        return found.Count == 0 ? [] : Assert.Single(found).GetProperty("nodes").EnumerateArray()
            .Select(n => (n.GetProperty("node_id").GetString()!, n.GetProperty("agent_address").GetString()!)).ToList();
    }

    [Fact]
    public async Task Provision_raises_the_target_discover_lists_the_nodes_and_deprovision_removes_one_and_lowers_the_target()
    {
        var http = await NewTenantAsync();

        var (response, body) = await Api.PostAsync(http, "/provision", Provision("orders", 2));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["count", "node_ids"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, body.GetProperty("count").GetInt32());
        var nodeIds = body.GetProperty("node_ids").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Equal(2, nodeIds.Count);

        List<(string NodeId, string Address)> nodes = [];
        await Eventually.TrueAsync(async () => (nodes = await NodesAsync(http, "orders")).Count == 2, Limit);
        Assert.Equal(nodeIds.Order(), nodes.Select(n => n.NodeId).Order());
        Assert.All(nodes, n => Assert.StartsWith(n.NodeId, n.Address));

        // The attributes are on the node (its workload's metadata), the node group's winning over the cluster's.
        var (_, workload) = await Api.GetAsync(http, $"/v1/workloads/{nodeIds[0]}");
        var metadata = workload.GetProperty("metadata");
        Assert.Equal("data", metadata.GetProperty("tier").GetString());
        Assert.Equal("east", metadata.GetProperty("zone_hint").GetString());
        Assert.Equal("3", metadata.GetProperty("replicas").GetString());
        Assert.Equal("orders", metadata.GetProperty("platform_cluster_id").GetString());
        Assert.Equal("7.0.2", metadata.GetProperty("store_version").GetString());

        // The same desired count again provisions nothing more.
        (_, body) = await Api.PostAsync(http, "/provision", Provision("orders", 2));
        Assert.Equal(0, body.GetProperty("count").GetInt32());

        (response, _) = await Api.PostAsync(http, "/deprovision", $$"""{"cluster_id": "orders", "node_id": "{{nodeIds[0]}}"}""");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.DoesNotContain(nodeIds[0], (await NodesAsync(http, "orders")).Select(n => n.NodeId));
        await Api.WaitForAsync(http, $"/v1/workloads/{nodeIds[0]}", w => w.Status() == "TERMINATED", Limit);

        // The target went down to 1 and stays there: one node is left, and asking for 2 again adds exactly one.
        (_, body) = await Api.PostAsync(http, "/provision", Provision("orders", 2));
        Assert.Equal(1, body.GetProperty("count").GetInt32());
        await Eventually.TrueAsync(async () => (await NodesAsync(http, "orders")).Count == 2, Limit);
    }

    [Fact]
    public async Task A_node_class_that_is_no_instance_type_is_a_shape_and_node_groups_of_one_cluster_are_discovered_together()
    {
        var http = await NewTenantAsync();
        var (response, body) = await Api.PostAsync(http, "/provision", Provision("catalog", 1));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        (response, body) = await Api.PostAsync(http, "/provision", Provision("catalog", 1, nodeGroup: "arbiter"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, body.GetProperty("count").GetInt32());

        await Eventually.TrueAsync(async () => (await NodesAsync(http, "catalog")).Count == 2, Limit);
        var (_, other) = await Api.GetAsync(await NewTenantAsync(), "/discover");
        Assert.Equal(0, other.GetProperty("clusters").GetArrayLength());
    }

    [Fact]
    public async Task Provisions_racing_on_one_node_group_never_lower_its_target_and_count_each_node_once()
    {
        var http = await NewTenantAsync();

        // Eight orchestrator calls at once, each asking for an overall count of 1 to 8: whatever order they run in,
        // the node group ends at 8 nodes, and the counts they answer add up to the 8 added.
        var answers = await Task.WhenAll(Enumerable.Range(1, 8).Select(desired => Api.PostAsync(http, "/provision", Provision("race", desired))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Response.StatusCode));
        Assert.Equal(8, answers.Sum(a => a.Body.GetProperty("count").GetInt32()));
        await Eventually.TrueAsync(async () => (await NodesAsync(http, "race")).Count == 8, Limit);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_field_and_creates_nothing()
    {
        var http = await NewTenantAsync();

        var (response, body) = await Api.PostAsync(http, "/provision", Provision("billing", 2, nodeGroup: "nosuch"));
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "provision.node_group_id");
        Assert.Contains("nosuch", body.GetProperty("error").GetProperty("message").GetString());

        (response, body) = await Api.PostAsync(http, "/provision", Provision("billing", 2, nodeClass: "enormous"));
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "cluster.nodes.data.node_class");

        (response, body) = await Api.PostAsync(http, "/provision", """{"cluster": {"cluster_id": "billing", "nodes": {}}}""");
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "provision");

        Assert.Empty(await NodesAsync(http, "billing"));
        var (_, workloads) = await Api.GetAsync(http, "/v1/workloads");
        Assert.Equal(0, workloads.GetProperty("workloads").GetArrayLength());

        (response, body) = await Api.PostAsync(http, "/deprovision", """{"cluster_id": "billing", "node_id": "wk-0000"}""");
        Api.AssertError(response, body, HttpStatusCode.NotFound, "CLUSTER_NOT_FOUND", "cluster_id");

        (response, body) = await Api.PostAsync(http, "/provision", Provision("billing", 1));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        (response, body) = await Api.PostAsync(http, "/deprovision", """{"cluster_id": "billing", "node_id": "wk-not-a-node"}""");
        Api.AssertError(response, body, HttpStatusCode.NotFound, "NODE_NOT_FOUND", "node_id");
    }

    [Fact]
    public async Task Seed_payloads_are_answered_as_the_document_says_and_a_missing_or_mistyped_field_is_refused_by_name()
    {
        var http = await NewTenantAsync();

        // The platform reference's payloads, attributes of any JSON type included, answered as the OpenAPI document says (checked on the way in).
        var (response, body) = await Api.PostAsync(http, "/provision", Provision("ledger", 1));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, body.GetProperty("count").GetInt32());
        await Eventually.TrueAsync(async () => (await NodesAsync(http, "ledger")).Count == 1, Limit);
        var node = (await NodesAsync(http, "ledger"))[0];
        (response, _) = await Api.PostAsync(http, "/deprovision", $$"""{"cluster_id": "ledger", "node_id": "{{node.NodeId}}"}""");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(silo.HandlerOf(http).Checked >= 4, $"only {silo.HandlerOf(http).Checked} answers were checked against the document");

        (response, body) = await Api.PostAsync(http, "/provision",
            """{"cluster": {"cluster_id": "ledger", "nodes": {"data": {"node_class": "t3.micro"}}}, "provision": {"node_group_id": "data"}}""");
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "cluster.nodes.data.desired_count");

        (response, body) = await Api.PostAsync(http, "/provision",
            """{"cluster": {"cluster_id": "ledger", "nodes": {"data": {"desired_count": "two", "node_class": "t3.micro"}}}, "provision": {"node_group_id": "data"}}""");
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "cluster.nodes.data.desired_count");

        (response, body) = await Api.PostAsync(http, "/provision",
            """{"cluster": {"cluster_id": "ledger", "nodes": {"data": {"desired_count": 1001, "node_class": "t3.micro"}}}, "provision": {"node_group_id": "data"}}""");
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "cluster.nodes.data.desired_count");

        (response, body) = await Api.PostAsync(http, "/deprovision", """{"cluster_id": "ledger"}""");
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "node_id");
    }
}
