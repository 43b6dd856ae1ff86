using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;

/// <summary>
/// The SQS queue EventBridge fills, over the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.ReceiveMessage, the queue
/// URL in the body): long-poll receive and delete. A received message stays in flight until deleted.
/// </summary>
public sealed partial class FakeAws
{
    private readonly Queue<(string Id, string Body)> _queue = new();
    private readonly Dictionary<string, (string Id, string Body)> _inFlight = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _arrived = new(0);
    private int _deleted;

    /// <summary>Messages deleted after handling.</summary>
    public int DeletedMessages => Volatile.Read(ref _deleted);

    /// <summary>Messages waiting or received and not deleted.</summary>
    public int UndeletedMessages
    {
        get { lock (_gate) return _queue.Count + _inFlight.Count; }
    }

    /// <summary>EventBridge puts an "EC2 Spot Instance Interruption Warning" for the instance on the queue.</summary>
    public void Interrupt(string instanceId) => SendEvent(instanceId, "EC2 Spot Instance Interruption Warning", new JsonObject { ["instance-id"] = instanceId, ["instance-action"] = "terminate" });

    /// <summary>EventBridge puts an "EC2 Instance Rebalance Recommendation" for the instance on the queue.</summary>
    public void RecommendRebalance(string instanceId) => SendEvent(instanceId, "EC2 Instance Rebalance Recommendation", new JsonObject { ["instance-id"] = instanceId });

    /// <summary>Puts any body on the queue (e.g. garbage, or another event type).</summary>
    public void SendRaw(string body)
    {
        lock (_gate) _queue.Enqueue((Guid.NewGuid().ToString(), body));
        _arrived.Release();
    }

    private void SendEvent(string instanceId, string detailType, JsonObject detail)
    {
        var zone = Instance(instanceId)?.ZoneName ?? "us-east-1a";
        var body = new JsonObject
        {
            ["version"] = "0",
            ["id"] = Guid.NewGuid().ToString(),
            ["detail-type"] = detailType,
            ["source"] = "aws.ec2",
            ["account"] = AccountId,
            ["time"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            ["region"] = Region,
            ["resources"] = new JsonArray($"arn:aws:ec2:{zone}:instance/{instanceId}"),
            ["detail"] = detail,
        };
        SendRaw(body.ToJsonString());
    }

    private async Task HandleSqsAsync(HttpContext context, string target, string body)
    {
        var operation = target.StartsWith("AmazonSQS.", StringComparison.Ordinal) ? target["AmazonSQS.".Length..] : target;
        _calls.Enqueue("sqs:" + operation);
        if (context.Request.ContentType?.StartsWith("application/x-amz-json-1.0", StringComparison.Ordinal) != true)
        {
            await SqsErrorAsync(context, 400, "InvalidParameterValue", "The body must be application/x-amz-json-1.0.");
            return;
        }

        var request = JsonNode.Parse(body)?.AsObject() ?? [];
        if (request["QueueUrl"]?.GetValue<string>() != QueueUrl)
        {
            await SqsErrorAsync(context, 400, "QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");
            return;
        }

        switch (operation)
        {
            case "ReceiveMessage":
                var wait = TimeSpan.FromSeconds(request["WaitTimeSeconds"]?.GetValue<int>() ?? 0);
                var max = request["MaxNumberOfMessages"]?.GetValue<int>() ?? 1;
                if (max is < 1 or > 10) { await SqsErrorAsync(context, 400, "InvalidParameterValue", "MaxNumberOfMessages must be 1 to 10."); return; }
                var messages = await ReceiveAsync(max, wait, context.RequestAborted);
                await JsonAsync(context, messages.Count == 0 ? new JsonObject() : new JsonObject
                {
                    ["Messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject
                    {
                        ["MessageId"] = m.Id, ["ReceiptHandle"] = m.Handle, ["MD5OfBody"] = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(m.Body))), ["Body"] = m.Body,
                    }).ToArray()),
                });
                return;
            case "DeleteMessage":
                var handle = request["ReceiptHandle"]?.GetValue<string>() ?? "";
                bool removed;
                lock (_gate) removed = _inFlight.Remove(handle);
                if (!removed) { await SqsErrorAsync(context, 400, "ReceiptHandleIsInvalid", $"The input receipt handle \"{handle}\" is not a valid receipt handle."); return; }
                Interlocked.Increment(ref _deleted);
                await JsonAsync(context, new JsonObject());
                return;
            default:
                await SqsErrorAsync(context, 400, "InvalidAction", $"The fake does not answer {operation}.");
                return;
        }
    }

    private async Task<List<(string Id, string Handle, string Body)>> ReceiveAsync(int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var until = DateTimeOffset.UtcNow + wait;
        while (true)
        {
            var taken = new List<(string, string, string)>();
            lock (_gate)
            {
                while (taken.Count < max && _queue.TryDequeue(out var message))
                {
                    var handle = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                    _inFlight[handle] = message;
                    taken.Add((message.Id, handle, message.Body));
                }
            }

            var left = until - DateTimeOffset.UtcNow;
            if (taken.Count > 0 || left <= TimeSpan.Zero) return taken;
            try
            {
                await _arrived.WaitAsync(left, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return [];
            }
        }
    }

    private static async Task JsonAsync(HttpContext context, JsonObject answer)
    {
        context.Response.ContentType = "application/x-amz-json-1.0";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    private static async Task SqsErrorAsync(HttpContext context, int status, string code, string message, string? queryCode = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.0";
        context.Response.Headers["x-amzn-query-error"] = $"{queryCode ?? code};Sender";
        await context.Response.WriteAsync(new JsonObject { ["__type"] = $"com.amazonaws.sqs#{code}", ["message"] = message }.ToJsonString());
    }
}
