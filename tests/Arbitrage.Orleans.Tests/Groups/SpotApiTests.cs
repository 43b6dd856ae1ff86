using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Groups;

/// <summary>
/// The SpotInst-style face over real HTTP on a real silo and PostgreSQL: the seed's four example bodies sent verbatim,
/// unhonoured fields stored, echoed and warned about, X-Auth-Token, accounts of another tenant, bad input that creates
/// nothing, and the Prometheus metrics.
/// </summary>
[Collection(GroupFacesCollection.Name)]
public sealed class SpotApiTests(GroupFacesSilo silo)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private const string SeedElastigroup = """
        {
          "name": "test202018",
          "strategy": {
            "risk": 100,
            "onDemandCount": null,
            "availabilityVsCost": "balanced",
            "drainingTimeout": 120,
            "fallbackToOd": true,
            "scalingStrategy": {
              "terminationPolicy": "newestInstance"
            },
            "lifetimePeriod": "days",
            "revertToSpot": {
              "performAt": "always"
            },
            "persistence": {}
          },
          "capacity": {
            "target": 2,
            "minimum": 2,
            "maximum": 4,
            "unit": "instance"
          },
          "scaling": {
            "up": null,
            "down": null
          },
          "compute": {
            "instanceTypes": {
              "ondemand": "t3.micro",
              "spot": [
        	    "t3.micro",
        	    "t3a.micro",
        	    "t3a.nano",
        	    "t3.nano"
              ]
            },
            "availabilityZones": [
              {
                "name": "us-east-1a",
                "subnetId": "subnet-00000000000000000"
              }
            ],
            "product": "Linux/UNIX",
            "launchSpecification": {
              "securityGroupIds": [
                "sg-00000000000000000"
              ],
              "monitoring": false,
              "ebsOptimized": false,
              "imageId": "ami-00000000000000000",
              "keyPair": "user",
              "healthCheckType": null,
              "tenancy": "default",
              "userData": null,
              "shutdownScript": null
            },
            "elasticIps": null,
            "preferredAvailabilityZones": null
          },
          "multai": null,
          "scheduling": {},
          "region": "us-east-1",
          "thirdPartiesIntegration": {}
        }
        """;

    private const string SeedElastigroupUpdate = """
        {
          "id": "sig-000000000",
          "capacity": {
            "target": 2,
            "minimum": 2,
            "maximum": 4
          },
          "compute": {
            "instanceTypes": {
              "ondemand": "t3.micro",
              "spot": [
          	    "t3.micro",
                "t3a.micro",
                "t3a.nano",
                "t3.nano"
              ]
            },
            "launchSpecification": {
              "tags": [
                { 
                  "tagKey": "food",
                  "tagValue": "good"
                }
              ]
            }
          }
        }
        """;

    private const string SeedManagedInstance = """
        {
          "region": "us-east-1",
          "name": "mi-test",
          "description": "My new Spot Instance",
          "strategy": {
            "revertToSpot": {
              "performAt": "always"
            }
          },
          "persistence": {
            "persistPrivateIp": true,
            "persistBlockDevices": true,
            "persistRootDevice": true,
            "blockDevicesMode": "onLaunch"
          },
          "healthCheck": {
            "type": "EC2",
            "autoHealing": true,
            "gracePeriod": 120,
            "unhealthyDuration": 120
          },
          "compute": {
            "product": "Linux/UNIX",
            "subnetIds": [
              "subnet-0123456789abcdef0"
            ],
            "vpcId": "vpc-0123456789abcdef0",
            "launchSpecification": {
              "instanceTypes": {
                "preferredType": "t3a.micro",
                "types": [
                  "t3a.micro",
                  "t3.micro",
                  "t2.micro"
                ]
              },
              "securityGroupIds": [
                "sg-0123456789abcdef0"
              ],
              "imageId": "ami-02354e95b39ca8dec",
              "keyPair": null,
              "tags": [
                {
                  "tagKey": "CreatedBy",
                  "tagValue": "me"
                }
              ],
              "networkInterfaces": [
                {
                  "associateIpv6Address": false,
                  "deviceIndex": 0
                }
              ],
              "creditSpecification": {
                "cpuCredits": "standard"
              },
              "shutdownScript": null,
              "userData": null
            },
            "privateIp": null
          },
          "integrations": {},
          "scheduling": {}
        }
        """;

    private const string SeedManagedInstanceUpdate = """
        {
          "compute": {
            "launchSpecification": {
              "tags": [
                {
                  "tagKey": "Environment",
                  "tagValue": "dev"
                }
              ]
            }
          }
        }
        """;

    private const string WeightedElastigroup = """
        {
          "name": "weighed",
          "region": "us-east-1",
          "capacity": { "target": 6, "minimum": 0, "maximum": 8, "unit": "weight" },
          "strategy": { "risk": 100, "fallbackToOd": true },
          "compute": {
            "instanceTypes": {
              "ondemand": "t3.micro",
              "spot": ["t3.micro", "t3a.micro"],
              "weights": [
                { "instanceType": "t3.micro", "weightedCapacity": 2 },
                { "instanceType": "t3a.micro", "weightedCapacity": 4 }
              ]
            },
            "launchSpecification": { "imageId": "ami-00000000000000000" }
          }
        }
        """;

    private async Task<(string Account, HttpClient Http)> NewAccountAsync()
    {
        var (tenant, token) = await silo.NewTenantAsync(1000);
        return (tenant, silo.SpotClientWith(token));
    }

    private static JsonElement Item(JsonElement body) => Assert.Single(body.GetProperty("response").GetProperty("items").EnumerateArray());

    private static List<string> Warnings(JsonElement element) => element.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();

    private static Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null) =>
        Api.SendAsync(http, method, path, json);

    private static async Task<JsonElement> WaitForRunningAsync(HttpClient http, string path, int count) =>
        Item(await Api.WaitForAsync(http, path, b => Item(b).GetProperty("members").EnumerateArray().Count(m => m.GetProperty("state").GetString() == "RUNNING" && !m.GetProperty("draining").GetBoolean()) == count, Limit));

    /// <summary>
    /// The zone ID us-east-1a stands for in the simulation: its letter's place among us-east-1's zone IDs sorted by name
    /// (read from the current prices of every us-east-1 market).
    /// </summary>
    private async Task<string> UsEast1aZoneIdAsync()
    {
        var (_, token) = await silo.NewTenantAsync(1);
        using var bearer = silo.CheckedClient(token);
        var zones = new SortedSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var (_, page) = await Api.GetAsync(bearer, $"/v1/pricing/current?provider=sim-aws&region=us-east-1&limit=500{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            foreach (var price in page.GetProperty("prices").EnumerateArray()) zones.Add(price.GetProperty("zone").GetString()!);
            cursor = page.OptionalString("nextCursor");
        }
        while (cursor is not null);
        return zones.First();
    }

    [Fact]
    public async Task The_seed_elastigroup_bodies_are_accepted_verbatim_the_unhonoured_fields_are_warned_about_and_a_new_target_scales_the_group()
    {
        var (account, http) = await NewAccountAsync();

        var (response, body) = await SendAsync(http, HttpMethod.Post, $"/v1/spot/{account}/elastigroups", SeedElastigroup);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(200, body.GetProperty("response").GetProperty("status").GetProperty("code").GetInt32());
        var group = Item(body);
        string id = group.GetProperty("id").GetString()!;
        Assert.StartsWith("sig-", id);
        Assert.Equal("ACTIVE", group.GetProperty("status").GetString());
        Assert.Equal("test202018", group.GetProperty("name").GetString());
        Assert.Equal(2, group.GetProperty("capacity").GetProperty("target").GetInt32());
        Assert.Equal("newestInstance", group.GetProperty("strategy").GetProperty("scalingStrategy").GetProperty("terminationPolicy").GetString());
        Assert.Equal(120, group.GetProperty("strategy").GetProperty("drainingTimeout").GetInt32());
        Assert.Equal(["t3.micro", "t3a.micro", "t3a.nano", "t3.nano"], group.GetProperty("compute").GetProperty("instanceTypes").GetProperty("spot").EnumerateArray().Select(t => t.GetString()));
        var warnings = Warnings(body.GetProperty("response"));
        Assert.Equal(warnings, Warnings(group));
        foreach (var field in new[] { "multai", "thirdPartiesIntegration", "compute.elasticIps", "scaling", "scheduling", "strategy.persistence", "compute.product",
                     "compute.launchSpecification.securityGroupIds", "compute.launchSpecification.keyPair", "compute.availabilityZones[0].subnetId" })
        {
            Assert.Contains(field, warnings);
        }

        Assert.DoesNotContain("strategy.risk", warnings);
        Assert.DoesNotContain("compute.launchSpecification.imageId", warnings);
        var unhonoured = group.GetProperty("unhonoured");
        Assert.Equal(JsonValueKind.Null, unhonoured.GetProperty("multai").ValueKind);
        Assert.Equal("user", unhonoured.GetProperty("compute.launchSpecification.keyPair").GetString());

        Assert.DoesNotContain(warnings, w => w.StartsWith("compute.availabilityZones[0].name", StringComparison.Ordinal));

        // Its two members run, each with market, type, zone, price and state, in us-east-1a: the zone ID it stands for.
        string usEast1a = await UsEast1aZoneIdAsync();
        var running = await WaitForRunningAsync(http, $"/v1/spot/{account}/elastigroups/{id}", 2);
        Assert.All(running.GetProperty("members").EnumerateArray(), m =>
        {
            Assert.Equal("spot", m.GetProperty("market").GetString());
            Assert.Contains(m.GetProperty("type").GetString(), new[] { "t3.micro", "t3a.micro", "t3a.nano", "t3.nano" });
            Assert.Equal(("us-east-1", usEast1a), (m.GetProperty("region").GetString(), m.GetProperty("zone").GetString()));
            Assert.True(m.GetProperty("price").GetDecimal() > 0);
        });

        // The seed's update: accepted verbatim (its placeholder id included), the tags set, the rest kept.
        (response, body) = await SendAsync(http, HttpMethod.Put, $"/v1/spot/{account}/elastigroups/{id}", SeedElastigroupUpdate);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        group = Item(body);
        Assert.Equal(id, group.GetProperty("id").GetString());
        var tag = Assert.Single(group.GetProperty("compute").GetProperty("launchSpecification").GetProperty("tags").EnumerateArray());
        Assert.Equal("food", tag.GetProperty("tagKey").GetString());
        Assert.Equal("good", tag.GetProperty("tagValue").GetString());
        Assert.Equal("test202018", group.GetProperty("name").GetString());
        Assert.Contains("multai", Warnings(group));

        // A change of target is a scale up.
        (response, _) = await SendAsync(http, HttpMethod.Put, $"/v1/spot/{account}/elastigroups/{id}", """{"capacity": {"target": 3}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForRunningAsync(http, $"/v1/spot/{account}/elastigroups/{id}", 3);

        var (_, list) = await Api.GetAsync(http, $"/v1/spot/{account}/elastigroups");
        Assert.Equal(id, Item(list).GetProperty("id").GetString());

        (response, body) = await SendAsync(http, HttpMethod.Delete, $"/v1/spot/{account}/elastigroups/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Item(body).GetProperty("status").GetString(), new[] { "DELETING", "DELETED" });

        // Every answer above (create, reads, updates, list, delete) matched the OpenAPI document's schema of the face.
        Assert.True(silo.HandlerOf(http).Checked >= 6, $"only {silo.HandlerOf(http).Checked} answers were checked against the document");
    }

    [Fact]
    public async Task The_seed_managed_instance_bodies_are_accepted_verbatim_as_a_group_of_one_with_persistence_and_health_check_stored()
    {
        var (account, http) = await NewAccountAsync();

        var (response, body) = await SendAsync(http, HttpMethod.Post, $"/v1/spot/{account}/instances", SeedManagedInstance);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var instance = Item(body);
        string id = instance.GetProperty("id").GetString()!;
        Assert.StartsWith("smi-", id);
        Assert.Equal("ACTIVE", instance.GetProperty("status").GetString());
        var capacity = instance.GetProperty("capacity");
        Assert.Equal((1, 1, 1), (capacity.GetProperty("target").GetInt32(), capacity.GetProperty("minimum").GetInt32(), capacity.GetProperty("maximum").GetInt32()));
        Assert.Equal("t3a.micro", instance.GetProperty("compute").GetProperty("instanceTypes").GetProperty("ondemand").GetString());
        var warnings = Warnings(instance);
        foreach (var field in new[] { "persistence", "healthCheck.type", "description", "integrations", "compute.vpcId", "compute.subnetIds", "compute.launchSpecification.networkInterfaces" })
        {
            Assert.Contains(field, warnings);
        }

        // The health check's auto-healing rule is honoured (the group replaces an unhealthy member); its type is not.
        foreach (var field in new[] { "healthCheck", "healthCheck.autoHealing", "healthCheck.gracePeriod", "healthCheck.unhealthyDuration" })
        {
            Assert.DoesNotContain(field, warnings);
        }

        var health = instance.GetProperty("healthCheck");
        Assert.True(health.GetProperty("autoHealing").GetBoolean());
        Assert.Equal((120, 120), (health.GetProperty("gracePeriod").GetInt32(), health.GetProperty("unhealthyDuration").GetInt32()));
        var unhonoured = instance.GetProperty("unhonoured");
        Assert.True(unhonoured.GetProperty("persistence").GetProperty("persistPrivateIp").GetBoolean());
        Assert.Equal("EC2", unhonoured.GetProperty("healthCheck.type").GetString());

        await WaitForRunningAsync(http, $"/v1/spot/{account}/instances/{id}", 1);

        (response, body) = await SendAsync(http, HttpMethod.Put, $"/v1/spot/{account}/instances/{id}", SeedManagedInstanceUpdate);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        instance = Item(body);
        var tag = Assert.Single(instance.GetProperty("compute").GetProperty("launchSpecification").GetProperty("tags").EnumerateArray());
        Assert.Equal(("Environment", "dev"), (tag.GetProperty("tagKey").GetString(), tag.GetProperty("tagValue").GetString()));
        Assert.Contains("persistence", Warnings(instance));
        Assert.Equal(120, instance.GetProperty("healthCheck").GetProperty("gracePeriod").GetInt32());

        // Managed instances and elastigroups are listed apart.
        var (_, instances) = await Api.GetAsync(http, $"/v1/spot/{account}/instances");
        Assert.Equal(id, Item(instances).GetProperty("id").GetString());
        var (_, groups) = await Api.GetAsync(http, $"/v1/spot/{account}/elastigroups");
        Assert.Equal(0, groups.GetProperty("response").GetProperty("count").GetInt32());
        var (missing, error) = await Api.GetAsync(http, $"/v1/spot/{account}/elastigroups/{id}");
        Api.AssertError(missing, error, HttpStatusCode.NotFound, "GROUP_NOT_FOUND");
    }

    [Fact]
    public async Task X_Auth_Token_or_Bearer_opens_the_face_ping_and_version_need_none_and_a_missing_or_unknown_token_is_401()
    {
        var (tenant, token) = await silo.NewTenantAsync(10);
        using var anonymous = silo.CheckedClient(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v1/spot/ping")).StatusCode);
        var (_, version) = await Api.GetAsync(anonymous, "/v1/spot/version");
        Assert.False(string.IsNullOrEmpty(version.GetProperty("response").GetProperty("items")[0].GetProperty("version").GetString()));

        var (response, body) = await Api.GetAsync(anonymous, $"/v1/spot/{tenant}/elastigroups");
        Api.AssertError(response, body, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        using var unknown = silo.SpotClientWith("arb_" + new string('x', 46));
        (response, body) = await Api.GetAsync(unknown, $"/v1/spot/{tenant}/elastigroups");
        Api.AssertError(response, body, HttpStatusCode.Unauthorized, "UNAUTHORIZED");

        using var spot = silo.SpotClientWith(token);
        Assert.Equal(HttpStatusCode.OK, (await spot.GetAsync($"/v1/spot/{tenant}/elastigroups")).StatusCode);
        using var bearer = silo.CheckedClient(token);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync($"/v1/spot/{tenant}/elastigroups")).StatusCode);

        // X-Auth-Token is the SpotInst face's header only.
        (response, _) = await Api.GetAsync(spot, "/v1/workloads");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Another_tenants_account_and_group_answer_404()
    {
        var (accountA, a) = await NewAccountAsync();
        var (accountB, b) = await NewAccountAsync();
        var (_, created) = await SendAsync(a, HttpMethod.Post, $"/v1/spot/{accountA}/elastigroups", SeedElastigroup);
        string id = Item(created).GetProperty("id").GetString()!;

        foreach (var (method, path, json) in new (HttpMethod, string, string?)[]
                 {
                     (HttpMethod.Get, $"/v1/spot/{accountA}/elastigroups", null),
                     (HttpMethod.Post, $"/v1/spot/{accountA}/elastigroups", SeedElastigroup),
                     (HttpMethod.Get, $"/v1/spot/{accountA}/elastigroups/{id}", null),
                     (HttpMethod.Put, $"/v1/spot/{accountA}/elastigroups/{id}", SeedElastigroupUpdate),
                     (HttpMethod.Delete, $"/v1/spot/{accountA}/elastigroups/{id}", null),
                 })
        {
            var (response, body) = await SendAsync(b, method, path, json);
            Api.AssertError(response, body, HttpStatusCode.NotFound, "ACCOUNT_NOT_FOUND");
        }

        var (own, error) = await Api.GetAsync(b, $"/v1/spot/{accountB}/elastigroups/{id}");
        Api.AssertError(own, error, HttpStatusCode.NotFound, "GROUP_NOT_FOUND");
        var (_, still) = await Api.GetAsync(a, $"/v1/spot/{accountA}/elastigroups/{id}");
        Assert.Equal("ACTIVE", Item(still).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("\"minimum\": 2,", "\"minimum\": 3,", "capacity.minimum")]
    [InlineData("\"maximum\": 4,", "\"maximum\": 1,", "capacity.target")]
    [InlineData("\"t3a.micro\",", "\"t9.imaginary\",", "compute.instanceTypes.spot[1]")]
    [InlineData("\"ondemand\": \"t3.micro\"", "\"ondemand\": \"t9.imaginary\"", "compute.instanceTypes.ondemand")]
    [InlineData("\"risk\": 100,", "\"risk\": 150,", "strategy.risk")]
    [InlineData("\"risk\": 100,", "\"risk\": -1,", "strategy.risk")]
    [InlineData("\"name\": \"us-east-1a\"", "\"name\": \"us-east-1z\"", "compute.availabilityZones[0].name")]
    public async Task Bad_input_is_refused_naming_the_field_and_creates_nothing(string from, string to, string field)
    {
        var (account, token) = await silo.NewTenantAsync(1000);
        using var http = silo.SpotClientWith(token);
        await AssertRefusedAsync(http, account, "elastigroups", SeedElastigroup, from, to, field);
        using var bearer = silo.CheckedClient(token);
        var (_, workloads) = await Api.GetAsync(bearer, "/v1/workloads");
        Assert.Equal(0, workloads.GetProperty("workloads").GetArrayLength());
    }

    /// <summary>The <paramref name="template"/> body with <paramref name="from"/> changed to <paramref name="to"/> is refused naming <paramref name="field"/>, and the account lists nothing of that kind.</summary>
    private static async Task<JsonElement> AssertRefusedAsync(HttpClient http, string account, string kind, string template, string from, string to, string field)
    {
        string json = template.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(template, json);

        var (response, body) = await SendAsync(http, HttpMethod.Post, $"/v1/spot/{account}/{kind}", json);

        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
        var (_, list) = await Api.GetAsync(http, $"/v1/spot/{account}/{kind}");
        Assert.Equal(0, list.GetProperty("response").GetProperty("count").GetInt32());
        return body;
    }

    [Theory]
    [InlineData("\"preferredType\": \"t3a.micro\"", "\"preferredType\": \"t9.imaginary\"", "compute.launchSpecification.instanceTypes.preferredType")]
    [InlineData("\"t2.micro\"", "\"t9.imaginary\"", "compute.launchSpecification.instanceTypes.types[2]")]
    public async Task A_managed_instance_with_an_unknown_instance_type_is_refused_naming_it_and_creates_nothing(string from, string to, string field)
    {
        var (account, http) = await NewAccountAsync();
        var body = await AssertRefusedAsync(http, account, "instances", SeedManagedInstance, from, to, field);
        Assert.Contains("t9.imaginary", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("\"gracePeriod\": 120", "\"gracePeriod\": -1", "healthCheck.gracePeriod")]
    [InlineData("\"unhealthyDuration\": 120", "\"unhealthyDuration\": -5", "healthCheck.unhealthyDuration")]
    [InlineData("\"autoHealing\": true", "\"autoHealing\": \"yes\"", "healthCheck.autoHealing")]
    public async Task A_managed_instance_with_a_bad_health_check_is_refused_naming_the_field_and_creates_nothing(string from, string to, string field)
    {
        var (account, http) = await NewAccountAsync();
        await AssertRefusedAsync(http, account, "instances", SeedManagedInstance, from, to, field);
    }

    [Fact]
    public async Task A_weighted_elastigroup_counts_its_target_in_weight_units_and_shows_each_members_weight_without_a_warning()
    {
        var (account, http) = await NewAccountAsync();

        var (response, body) = await SendAsync(http, HttpMethod.Post, $"/v1/spot/{account}/elastigroups", WeightedElastigroup);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var group = Item(body);
        string id = group.GetProperty("id").GetString()!;
        Assert.Equal("weight", group.GetProperty("capacity").GetProperty("unit").GetString());
        var weights = group.GetProperty("compute").GetProperty("instanceTypes").GetProperty("weights").EnumerateArray()
            .ToDictionary(w => w.GetProperty("instanceType").GetString()!, w => w.GetProperty("weightedCapacity").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["t3.micro"] = 2, ["t3a.micro"] = 4 }, weights);
        Assert.Empty(Warnings(group));
        Assert.Empty(Warnings(body.GetProperty("response")));

        // 6 units: members worth at least 6 and less than 6 + the heaviest weight run, each showing its type's weight.
        var running = Item(await Api.WaitForAsync(http, $"/v1/spot/{account}/elastigroups/{id}", b =>
        {
            var members = Item(b).GetProperty("members").EnumerateArray().Where(m => !m.GetProperty("draining").GetBoolean()).ToList();
            return members.All(m => m.GetProperty("state").GetString() == "RUNNING") && members.Sum(m => m.GetProperty("weight").GetInt32()) >= 6;
        }, Limit));
        var live = running.GetProperty("members").EnumerateArray().ToList();
        Assert.InRange(live.Sum(m => m.GetProperty("weight").GetInt32()), 6, 6 + 4 - 1);
        Assert.All(live, m => Assert.Equal(weights[m.GetProperty("type").GetString()!], m.GetProperty("weight").GetInt32()));

        // A PUT without weights keeps them.
        (response, body) = await SendAsync(http, HttpMethod.Put, $"/v1/spot/{account}/elastigroups/{id}", """{"capacity": {"target": 4}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, Item(body).GetProperty("compute").GetProperty("instanceTypes").GetProperty("weights").GetArrayLength());
    }

    [Theory]
    [InlineData("\"weightedCapacity\": 2", "\"weightedCapacity\": 0", "compute.instanceTypes.weights[0].weightedCapacity")]
    [InlineData("\"weightedCapacity\": 2", "\"weightedCapacity\": 1.5", "compute.instanceTypes.weights[0].weightedCapacity")]
    [InlineData("{ \"instanceType\": \"t3a.micro\"", "{ \"instanceType\": \"t3.nano\"", "compute.instanceTypes.weights[1].instanceType")]
    [InlineData(",\n        { \"instanceType\": \"t3a.micro\", \"weightedCapacity\": 4 }", "", "compute.instanceTypes.weights")]
    [InlineData("\"target\": 6,", "\"target\": 6.5,", "capacity.target")]
    public async Task Bad_weights_are_refused_naming_the_body_field_and_create_nothing(string from, string to, string field)
    {
        var (account, http) = await NewAccountAsync();
        await AssertRefusedAsync(http, account, "elastigroups", WeightedElastigroup, from, to, field);
    }

    [Fact]
    public async Task A_bad_update_changes_nothing()
    {
        var (account, http) = await NewAccountAsync();
        var (_, created) = await SendAsync(http, HttpMethod.Post, $"/v1/spot/{account}/elastigroups", SeedElastigroup);
        string id = Item(created).GetProperty("id").GetString()!;

        var (response, body) = await SendAsync(http, HttpMethod.Put, $"/v1/spot/{account}/elastigroups/{id}", """{"capacity": {"target": 9}}""");

        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "capacity.target");
        var (_, got) = await Api.GetAsync(http, $"/v1/spot/{account}/elastigroups/{id}");
        Assert.Equal(2, Item(got).GetProperty("capacity").GetProperty("target").GetInt32());
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_each_groups_sizes_spot_share_fallbacks_and_interruptions()
    {
        var (account, http) = await NewAccountAsync();
        var (_, created) = await SendAsync(http, HttpMethod.Post, $"/v1/spot/{account}/elastigroups", SeedElastigroup);
        string id = Item(created).GetProperty("id").GetString()!;
        await WaitForRunningAsync(http, $"/v1/spot/{account}/elastigroups/{id}", 2);

        var response = await http.GetAsync("/v1/spot/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string labels = $"{{group=\"{id}\",name=\"test202018\",account=\"{account}\"}}";
        Assert.Contains($"arb_group_target{labels} 2", lines);
        Assert.Contains($"arb_group_running{labels} 2", lines);
        foreach (var metric in new[] { "arb_group_target", "arb_group_members", "arb_group_running", "arb_group_spot_share", "arb_group_fallbacks", "arb_group_interruptions" })
        {
            Assert.Contains($"# TYPE {metric} gauge", lines);
            var line = Assert.Single(lines, l => l.StartsWith(metric + labels + " ", StringComparison.Ordinal));
            Assert.True(double.TryParse(line[(metric + labels).Length..], System.Globalization.CultureInfo.InvariantCulture, out double value) && value >= 0, line);
        }

        // Only the caller's groups: another tenant sees none of them; an operator sees every tenant's, labelled with the tenant.
        var (_, other) = await NewAccountAsync();
        Assert.DoesNotContain(id, await other.GetStringAsync("/v1/spot/metrics"));
        using var operatorClient = silo.CheckedClient(silo.Host.AdminToken);
        var all = (await operatorClient.GetStringAsync("/v1/spot/metrics")).Split('\n');
        Assert.Contains(all, l => l.StartsWith($"arb_group_target{{group=\"{id}\",name=\"test202018\",account=\"{account}\",tenant=\"{account}\"}} 2", StringComparison.Ordinal));
    }
}
