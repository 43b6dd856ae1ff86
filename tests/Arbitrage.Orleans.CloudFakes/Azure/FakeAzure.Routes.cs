using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;

/// <summary>The fake's wire protocol: Entra ID token endpoint, ARM (Compute, Network, operations) and Retail Prices.</summary>
public sealed partial class FakeAzure
{

    private string VmsPath => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Compute/virtualMachines";

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            string path = context.Request.Path.Value ?? "";
            _requests.Enqueue($"{context.Request.Method} {path}{context.Request.QueryString}");
            bool arm = path.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase);
            if (arm || path.StartsWith("/api/retail/prices", StringComparison.OrdinalIgnoreCase))
            {
                int left;
                do { left = Volatile.Read(ref _throttle); }
                while (left > 0 && Interlocked.CompareExchange(ref _throttle, left - 1, left) != left);
                if (left > 0)
                {
                    Interlocked.Increment(ref _throttledCalls);
                    context.Response.Headers.RetryAfter = _throttleRetryAfter.ToString(CultureInfo.InvariantCulture);
                    await Error(context, 429, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type.");
                    return;
                }

            }

            if ((arm || path.StartsWith("/api/retail/prices", StringComparison.OrdinalIgnoreCase)) && Take(ref _misbehave) && _misbehaviour is { } misbehaviour)
            {
                if (misbehaviour == Misbehaviour.Stall) await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted).ContinueWith(_ => { });
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>{{{");
                return;
            }

            if (arm)
            {
                string authorization = context.Request.Headers.Authorization.ToString();
                if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.ContainsKey(authorization["Bearer ".Length..]))
                {
                    context.Response.Headers.WWWAuthenticate = $"Bearer authorization_uri=\"{BaseAddress}{TenantId}\", error=\"invalid_token\", error_description=\"The access token is invalid.\"";
                    await Error(context, 401, authorization.Length == 0 ? "AuthenticationFailed" : "InvalidAuthenticationToken", "The access token is invalid.");
                    return;
                }

                if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
                {
                    await Error(context, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
                    return;
                }
            }

            await next(context);
        });

        app.MapPost("/{tenant}/oauth2/v2.0/token", Token);
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => Results.Json(new JsonObject
        {
            ["token_endpoint"] = $"{BaseAddress}{tenant}/oauth2/v2.0/token",
            ["authorization_endpoint"] = $"{BaseAddress}{tenant}/oauth2/v2.0/authorize",
            ["issuer"] = $"{BaseAddress}{tenant}/v2.0",
        }));

        app.MapGet("/subscriptions/{sub}/locations", () => Results.Json(new JsonObject
        {
            ["value"] = new JsonArray(new JsonObject { ["id"] = $"/subscriptions/{SubscriptionId}/locations/{Region}", ["name"] = Region, ["displayName"] = "East US" }),
        }));
        app.MapGet("/subscriptions/{sub}/providers/Microsoft.Compute/skus", Skus);
        app.MapGet("/subscriptions/{sub}/providers/Microsoft.Compute/locations/{location}/operations/{id}", Operation);
        app.MapGet("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines", ListVms);
        app.MapPut("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}", PutVm);
        app.MapGet("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}", GetVm);
        app.MapDelete("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}", DeleteVm);
        app.MapGet("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/{name}", Nic);
        app.MapGet("/api/retail/prices", Prices);
        app.MapFallback(context => Error(context, 404, "InvalidResourceType", $"The fake does not serve {context.Request.Method} {context.Request.Path}."));
    }

    private async Task Token(HttpContext context, string tenant)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "client_credentials" || string.IsNullOrEmpty(form["scope"]))
        {
            await OAuthError(context, 400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type' and 'scope'.");
            return;
        }

        if (tenant != TenantId)
        {
            await OAuthError(context, 400, "invalid_tenant", $"AADSTS90002: Tenant '{tenant}' not found.");
            return;
        }

        if (form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
        {
            await OAuthError(context, 401, "invalid_client", $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{form["client_id"]}'.");
            return;
        }

        string token = "fake-" + Guid.NewGuid().ToString("N");
        _tokens[token] = true;
        Interlocked.Increment(ref _tokensIssued);
        await context.Response.WriteAsJsonAsync(new JsonObject { ["token_type"] = "Bearer", ["expires_in"] = 3599, ["ext_expires_in"] = 3599, ["access_token"] = token });
    }

    private static Task OAuthError(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["error"] = error, ["error_description"] = description, ["error_codes"] = new JsonArray(int.Parse(Regex.Match(description, @"AADSTS(\d+)").Groups[1].Value, CultureInfo.InvariantCulture)),
            ["timestamp"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture), ["trace_id"] = Guid.NewGuid().ToString(), ["correlation_id"] = Guid.NewGuid().ToString(),
        });
    }

    private static Task Error(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["x-ms-failure-cause"] = "gateway";
        return context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });
    }

    private IResult Skus(HttpContext context)
    {
        string filter = context.Request.Query["$filter"].ToString();
        var region = Regex.Match(filter, @"location eq '([^']+)'").Groups[1].Value;
        var value = new JsonArray();
        if (region == Region)
        {
            foreach (var (size, s) in Sizes)
            {
                value.Add(new JsonObject
                {
                    ["resourceType"] = "virtualMachines", ["name"] = size, ["tier"] = "Standard", ["size"] = size[(size.IndexOf('_') + 1)..],
                    ["family"] = "standardFamily", ["locations"] = new JsonArray(Region),
                    ["locationInfo"] = new JsonArray(new JsonObject { ["location"] = Region, ["zones"] = new JsonArray(s.Zones.Select(z => (JsonNode)z).ToArray()), ["zoneDetails"] = new JsonArray() }),
                    ["capabilities"] = new JsonArray(
                        Capability("vCPUs", s.VCpus), Capability("MemoryGB", s.MemoryGb), Capability("GPUs", s.Gpus), Capability("LowPriorityCapable", "True")),
                    ["restrictions"] = new JsonArray(),
                });
            }

            // A disk SKU and a size the subscription may not use there: both are not offers.
            value.Add(new JsonObject { ["resourceType"] = "disks", ["name"] = "Premium_LRS", ["locations"] = new JsonArray(Region), ["locationInfo"] = new JsonArray(), ["capabilities"] = new JsonArray(), ["restrictions"] = new JsonArray() });
            value.Add(new JsonObject
            {
                ["resourceType"] = "virtualMachines", ["name"] = "Standard_M416ms_v2", ["locations"] = new JsonArray(Region),
                ["locationInfo"] = new JsonArray(new JsonObject { ["location"] = Region, ["zones"] = new JsonArray("1") }),
                ["capabilities"] = new JsonArray(Capability("vCPUs", 416), Capability("MemoryGB", 11400)),
                ["restrictions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Location", ["values"] = new JsonArray(Region), ["reasonCode"] = "NotAvailableForSubscription",
                    ["restrictionInfo"] = new JsonObject { ["locations"] = new JsonArray(Region) },
                }),
            });
        }

        return Results.Json(new JsonObject { ["value"] = value });
    }

    private static JsonObject Capability(string name, object value) =>
        new() { ["name"] = name, ["value"] = Convert.ToString(value, CultureInfo.InvariantCulture) };

    private IResult Prices(HttpContext context)
    {
        string filter = context.Request.Query["$filter"].ToString();
        if (!filter.Contains("serviceName eq 'Virtual Machines'", StringComparison.Ordinal) || !filter.Contains("priceType eq 'Consumption'", StringComparison.Ordinal))
        {
            return Results.Json(new JsonObject { ["Error"] = new JsonObject { ["Code"] = "BadRequest", ["Message"] = "Invalid OData parameters supplied" } }, statusCode: 400);
        }

        Interlocked.Increment(ref _pricePages);
        string region = Regex.Match(filter, @"armRegionName eq '([^']+)'").Groups[1].Value;
        bool spotOnly = filter.Contains("contains(meterName, 'Spot')", StringComparison.Ordinal);
        var items = new List<JsonObject>();
        if (region == Region)
        {
            foreach (var (size, s) in Sizes)
            {
                string meter = size["Standard_".Length..].Replace('_', ' ');
                items.Add(PriceItem(size, meter + " Spot", "Virtual Machines Series", s.Spot));
                items.Add(PriceItem(size, meter + " Spot", "Virtual Machines Series Windows", s.Spot * 2));
                if (!spotOnly)
                {
                    items.Add(PriceItem(size, meter, "Virtual Machines Series", s.OnDemand));
                    items.Add(PriceItem(size, meter + " Low Priority", "Virtual Machines Series", s.OnDemand / 5));
                    items.Add(PriceItem(size, meter, "Virtual Machines Series Windows", s.OnDemand * 2));
                }
            }
        }

        // The made-up sizes come after the fake's own, built for the page asked only.
        int extra = region == Region ? ExtraSpotSizes : 0;
        int total = items.Count + extra;
        int skip = int.TryParse(context.Request.Query["$skip"], out var n) ? n : 0;
        var page = Enumerable.Range(skip, Math.Max(0, Math.Min(PricePageSize, total - skip)))
            .Select(i => i < items.Count ? items[i] : PriceItem($"Standard_X{i - items.Count}s_v9", $"X{i - items.Count}s v9 Spot", "Virtual Machines Xsv9 Series", 0.01m + ((i - items.Count) * 0.0001m)))
            .ToList();
        string? next = skip + PricePageSize < total
            ? $"{BaseAddress}api/retail/prices?api-version=2023-01-01-preview&$filter={Uri.EscapeDataString(filter)}&$skip={skip + PricePageSize}"
            : null;
        return Results.Json(new JsonObject
        {
            ["BillingCurrency"] = "USD", ["CustomerEntityId"] = "Default", ["CustomerEntityType"] = "Retail",
            ["Items"] = new JsonArray(page.Select(i => (JsonNode)i).ToArray()), ["NextPageLink"] = next, ["Count"] = page.Count,
        });
    }

    private static JsonObject PriceItem(string size, string meter, string product, decimal price) => new()
    {
        ["currencyCode"] = "USD", ["tierMinimumUnits"] = 0.0, ["retailPrice"] = price, ["unitPrice"] = price, ["armRegionName"] = Region,
        ["location"] = "US East", ["effectiveStartDate"] = "2026-01-01T00:00:00Z", ["meterId"] = Guid.NewGuid().ToString(), ["meterName"] = meter,
        ["productId"] = "DZH318Z0BQ4L", ["skuId"] = "DZH318Z0BQ4L/00TG", ["productName"] = product, ["skuName"] = meter, ["serviceName"] = "Virtual Machines",
        ["serviceId"] = "DZH313Z7MMC8", ["serviceFamily"] = "Compute", ["unitOfMeasure"] = "1 Hour", ["type"] = "Consumption", ["isPrimaryMeterRegion"] = true,
        ["armSkuName"] = size,
    };

    private async Task PutVm(HttpContext context, string sub, string rg, string name)
    {
        Interlocked.Increment(ref _launchCalls);
        if (!Matches(sub, rg)) { await Error(context, 404, "ResourceGroupNotFound", $"Resource group '{rg}' could not be found."); return; }
        var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        if (body is null) { await Error(context, 400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."); return; }
        if (Shape(body) is { } problem) { await Error(context, 400, "InvalidParameter", problem); return; }

        if (_vms.TryGetValue(name, out var existing))
        {
            await context.Response.WriteAsJsonAsync(Json(existing, instanceView: false));
            return;
        }

        string size = body["properties"]!["hardwareProfile"]!["vmSize"]!.GetValue<string>();
        bool spot = body["properties"]?["priority"]?.GetValue<string>() == "Spot";
        string region = body["location"]!.GetValue<string>();
        if (spot && body["properties"]!["billingProfile"]?["maxPrice"]?.GetValue<double>() is { } max && max != -1 && (decimal)max < Sizes[size].Spot)
        {
            await Error(context, 409, "SpotPriceGreaterThanProvidedMaxPrice",
                $"Unable to perform operation 'Create VM' since the provided max price '{max.ToString(CultureInfo.InvariantCulture)} USD' is lower than the current spot price '{Sizes[size].Spot.ToString(CultureInfo.InvariantCulture)} USD' for Azure Spot VM size '{size}'.");
            return;
        }

        string? failWith = null;
        if (_launchRefusals.TryDequeue(out var refusal))
        {
            if (!refusal.ViaOperation)
            {
                await Error(context, 409, refusal.Code, RefusalMessage(refusal.Code, size, region));
                return;
            }

            failWith = refusal.Code;
        }

        var vm = new FakeVm(name, region, body, DateTimeOffset.UtcNow);
        _vms[name] = vm;
        string operation = Guid.NewGuid().ToString();
        _operations[operation] = new FakeOperation { VmName = name, FailWith = failWith };
        context.Response.StatusCode = 201;
        context.Response.Headers["Azure-AsyncOperation"] = $"{BaseAddress}subscriptions/{SubscriptionId}/providers/Microsoft.Compute/locations/{region}/operations/{operation}?api-version={context.Request.Query["api-version"]}";
        await context.Response.WriteAsJsonAsync(Json(vm, instanceView: false));
    }

    private static string RefusalMessage(string code, string size, string region) => code switch
    {
        "SkuNotAvailable" => $"The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: {size}' is currently not available in location '{region}'. Please try another size or deploy to a different location or different zone.",
        "OperationNotAllowed" => $"Operation could not be completed as it results in exceeding approved LowPriorityCores quota. Additional details - Deployment Model: Resource Manager, Location: {region}, Current Limit: 3, Current Usage: 2, Additional Required: 2, (Minimum) New Limit Required: 4.",
        "AllocationFailed" => "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.",
        "ZonalAllocationFailed" => "Allocation failed. We do not have sufficient capacity for the requested VM size in this zone.",
        _ => $"The fake was told to refuse with {code}.",
    };

    /// <summary>What is wrong with a VM's PUT body for the adapter's launches, or null.</summary>
    private static string? Shape(JsonObject body)
    {
        var properties = body["properties"] as JsonObject;
        if (body["location"]?.GetValue<string>() is not { Length: > 0 }) return "The 'location' property is required.";
        if (properties is null) return "The 'properties' property is required.";
        if (properties["hardwareProfile"]?["vmSize"]?.GetValue<string>() is not { } size || !Sizes.ContainsKey(size)) return "The value of parameter vmSize is invalid.";
        if (properties["priority"]?.GetValue<string>() == "Spot")
        {
            if (properties["evictionPolicy"]?.GetValue<string>() != "Delete") return "The adapter's Spot VMs must have evictionPolicy 'Delete'.";
            if (properties["billingProfile"]?["maxPrice"] is null) return "A Spot VM needs billingProfile.maxPrice (-1 or a price).";
        }
        else if (properties["evictionPolicy"] is not null)
        {
            return "Eviction policy can be set only on Azure Spot Virtual Machines.";
        }

        if (properties["storageProfile"]?["imageReference"] is not JsonObject image || (image["id"] is null && image["publisher"] is null)) return "storageProfile.imageReference is required.";
        if (properties["storageProfile"]?["osDisk"]?["deleteOption"]?.GetValue<string>() != "Delete") return "The OS disk must be deleted with the VM (deleteOption Delete).";
        if (properties["osProfile"]?["linuxConfiguration"]?["ssh"]?["publicKeys"] is not JsonArray { Count: > 0 }) return "An SSH public key is required.";
        if (properties["networkProfile"]?["networkApiVersion"] is null) return "networkProfile.networkApiVersion is required with networkInterfaceConfigurations.";
        if (properties["networkProfile"]?["networkInterfaceConfigurations"] is not JsonArray { Count: > 0 } nics) return "networkProfile.networkInterfaceConfigurations is required.";
        var nic = nics[0]!["properties"];
        if (nic?["deleteOption"]?.GetValue<string>() != "Delete") return "The network interface must be deleted with the VM (deleteOption Delete).";
        if (nic["ipConfigurations"]?[0]?["properties"]?["subnet"]?["id"]?.GetValue<string>() != SubnetId) return $"The network interface must join subnet {SubnetId}.";
        return null;
    }

    private async Task Operation(HttpContext context, string sub, string location, string id)
    {
        if (!_operations.TryGetValue(id, out var operation)) { await Error(context, 404, "NotFound", "The operation was not found."); return; }
        var status = new JsonObject { ["name"] = id, ["startTime"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture) };
        if (operation.VmName is { } name && _vms.TryGetValue(name, out var vm))
        {
            lock (vm)
            {
                if (operation.FailWith is null)
                {
                    if (vm.ProvisioningState == "Creating") vm.ProvisioningState = "Succeeded";
                    if (AutoBoot && vm.PowerState == "starting") vm.PowerState = "running";
                }
                else
                {
                    vm.ProvisioningState = "Failed";
                    vm.PowerState = "deallocated";
                }
            }
        }

        if (operation.FailWith is { } code)
        {
            status["status"] = "Failed";
            status["error"] = new JsonObject { ["code"] = code, ["message"] = RefusalMessage(code, "", location) };
        }
        else
        {
            status["status"] = "Succeeded";
        }

        await context.Response.WriteAsJsonAsync(status);
    }

    private async Task GetVm(HttpContext context, string sub, string rg, string name)
    {
        if (!Matches(sub, rg) || !_vms.TryGetValue(name, out var vm))
        {
            await Error(context, 404, "ResourceNotFound", $"The Resource 'Microsoft.Compute/virtualMachines/{name}' under resource group '{rg}' was not found.");
            return;
        }

        await context.Response.WriteAsJsonAsync(Json(vm, context.Request.Query["$expand"] == "instanceView"));
    }

    private async Task ListVms(HttpContext context, string sub, string rg)
    {
        if (!Matches(sub, rg)) { await Error(context, 404, "ResourceGroupNotFound", $"Resource group '{rg}' could not be found."); return; }
        await context.Response.WriteAsJsonAsync(new JsonObject { ["value"] = new JsonArray(_vms.Values.Select(vm => (JsonNode)Json(vm, context.Request.Query["$expand"] == "instanceView")).ToArray()) });
    }

    private async Task DeleteVm(HttpContext context, string sub, string rg, string name)
    {
        if (!Matches(sub, rg) || !_vms.TryRemove(name, out _))
        {
            context.Response.StatusCode = 204;
            return;
        }

        string operation = Guid.NewGuid().ToString();
        _operations[operation] = new FakeOperation();
        context.Response.StatusCode = 202;
        context.Response.Headers["Azure-AsyncOperation"] = $"{BaseAddress}subscriptions/{SubscriptionId}/providers/Microsoft.Compute/locations/{Region}/operations/{operation}?api-version={context.Request.Query["api-version"]}";
        context.Response.Headers.Location = context.Response.Headers["Azure-AsyncOperation"];
    }

    private async Task Nic(HttpContext context, string sub, string rg, string name)
    {
        string vmName = name.EndsWith("-nic", StringComparison.Ordinal) ? name[..^4] : name;
        if (!Matches(sub, rg) || !_vms.ContainsKey(vmName))
        {
            await Error(context, 404, "NotFound", $"Resource /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/{name} not found.");
            return;
        }

        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["id"] = $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Network/networkInterfaces/{name}",
            ["name"] = name, ["type"] = "Microsoft.Network/networkInterfaces", ["location"] = Region,
            ["properties"] = new JsonObject
            {
                ["provisioningState"] = "Succeeded",
                ["ipConfigurations"] = new JsonArray(new JsonObject
                {
                    ["name"] = vmName + "-ip",
                    ["properties"] = new JsonObject { ["privateIPAddress"] = "127.0.0.1", ["privateIPAllocationMethod"] = "Dynamic", ["subnet"] = new JsonObject { ["id"] = SubnetId } },
                }),
            },
        });
    }

    private static bool Matches(string sub, string rg) =>
        string.Equals(sub, SubscriptionId, StringComparison.OrdinalIgnoreCase) && string.Equals(rg, ResourceGroup, StringComparison.OrdinalIgnoreCase);

    private JsonObject Json(FakeVm vm, bool instanceView)
    {
        lock (vm)
        {
            var json = (JsonObject)vm.Body.DeepClone();
            json["id"] = $"{VmsPath}/{vm.Name}";
            json["name"] = vm.Name;
            json["type"] = "Microsoft.Compute/virtualMachines";
            var properties = (JsonObject)json["properties"]!;
            properties["vmId"] = Guid.NewGuid().ToString();
            properties["provisioningState"] = vm.ProvisioningState;
            properties["timeCreated"] = vm.Created.ToString("o", CultureInfo.InvariantCulture);
            var network = (JsonObject)properties["networkProfile"]!;
            string nicName = network["networkInterfaceConfigurations"]![0]!["name"]!.GetValue<string>();
            network["networkInterfaces"] = new JsonArray(new JsonObject
            {
                ["id"] = $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Network/networkInterfaces/{nicName}",
                ["properties"] = new JsonObject { ["primary"] = true, ["deleteOption"] = "Delete" },
            });
            if (instanceView)
            {
                properties["instanceView"] = new JsonObject
                {
                    ["computerName"] = vm.Name,
                    ["statuses"] = new JsonArray(
                        new JsonObject { ["code"] = $"ProvisioningState/{vm.ProvisioningState.ToLowerInvariant()}", ["level"] = "Info", ["displayStatus"] = $"Provisioning {vm.ProvisioningState.ToLowerInvariant()}" },
                        new JsonObject { ["code"] = $"PowerState/{vm.PowerState}", ["level"] = "Info", ["displayStatus"] = $"VM {vm.PowerState}" }),
                };
            }

            return json;
        }
    }
}
