using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Arbitrage.Orleans.Clouds.Catalog;

namespace Arbitrage.Orleans.Clouds.Simulated;

/// <summary>
/// A simulated cloud on real market data: the catalog of one cloud from a shared <see cref="MarketDataSet"/>, spot
/// prices replayed from real histories (<see cref="PriceReplay"/>), capacity from real availability traces, and
/// spot interruptions drawn at each market's real rate. Every time comes from the injected <see cref="TimeProvider"/>
/// (simulated time = history start + <see cref="SimulatedCloudOptions.StartOffset"/> + real elapsed ×
/// <see cref="SimulatedCloudOptions.Speed"/>); every random draw from one seeded generator, so the same seed and the
/// same clock steps give the same run. Thread-safe.
/// </summary>
public sealed partial class SimulatedCloud : ICloudAdapter, IDisposable
{
    /// <summary>The longest a timer is armed for at once (system timers take at most about 49 days).</summary>
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromDays(30);

    private readonly CloudCatalog _catalog;
    private readonly SimulatedCloudOptions _options;
    private readonly TimeProvider _time;
    private readonly TimeSpan _noticeLead;
    private readonly DateTimeOffset _startedAt;
    private readonly int _addressBase;
    private readonly object _gate = new();
    private readonly Random _random;
    private readonly Dictionary<string, SimulatedInstance> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedInstance> _byClientToken = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Region, string Zone, string Type), bool> _capacity = [];
    private bool? _spotCapacity; // forced by SetSpotCapacity for every spot market; null: not forced
    private readonly List<Channel<InterruptionNotice>> _watchers = [];
    private int _launchCount;
    private long _droppedNotices;
    private int _launchAttempts;
    private int _liveCount;
    private bool _disposed;

    /// <summary>Builds the cloud <see cref="SimulatedCloudOptions.Cloud"/> on a loaded data set (load it once and share it between clouds).</summary>
    public SimulatedCloud(MarketDataSet data, SimulatedCloudOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _catalog = data[options.Cloud];
        _time = timeProvider;
        _noticeLead = options.EffectiveNoticeLead;
        _startedAt = timeProvider.GetUtcNow();
        _random = new Random(options.Seed);
        _addressBase = _random.Next(0, 256);
        LaunchApis = LaunchApisOf(options.Cloud, options.MaxInstances);
    }

    public CloudKind Cloud => _options.Cloud;

    /// <summary>
    /// One launch API per cloud, each supporting spot and on-demand; AWS (RunInstances MaxPrice) and Azure (Spot
    /// maxPrice) honour a maximum spot price, GCP (Spot VMs) does not.
    /// </summary>
    public IReadOnlyList<LaunchApi> LaunchApis { get; }

    /// <summary>The clock every time of this cloud comes from.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>How long an instance stays Pending.</summary>
    public TimeSpan BootDelay => _options.BootDelay;

    /// <summary>How long before termination an interruption notice comes.</summary>
    public TimeSpan NoticeLead => _noticeLead;

    /// <summary>The catalog this cloud serves.</summary>
    public CloudCatalog Catalog => _catalog;

    /// <summary>Simulated time elapsed since the history start: StartOffset + real elapsed × Speed (not wrapped).</summary>
    public TimeSpan SimulatedElapsed => SimulatedElapsedAt(_time.GetUtcNow());

    /// <summary>The point of the price history being replayed now.</summary>
    public DateTimeOffset SimulatedTime => _catalog.Prices.HistoryTimeAt(SimulatedElapsed);

    public Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_catalog.Regions);
    }

    public Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(RegionOrThrow(region).Offers);
    }

    public Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var offers = RegionOrThrow(region);
        var now = _time.GetUtcNow();
        var historyTicks = _catalog.Prices.HistoryTimeAt(SimulatedElapsedAt(now)).UtcTicks;
        var indices = offers.SpotOfferIndices;
        var prices = new SpotPrice[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            var offer = _catalog.OfferAt(indices[i]);
            prices[i] = new SpotPrice(offer.Region, offer.Zone, offer.InstanceType, _catalog.Prices.PriceAt(indices[i], historyTicks)!.Value, now);
        }

        return Task.FromResult<IReadOnlyList<SpotPrice>>(prices);
    }

    public Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken) => LaunchAsync(request, null, cancellationToken);

    /// <summary>
    /// Launches as <see cref="LaunchAsync(LaunchRequest, CancellationToken)"/>, with <paramref name="instanceId"/> as the
    /// new instance's ID when given (a cluster recording instances by ID chooses it; see <see cref="InstanceIdFor"/>).
    /// An ID this cloud already has is refused (InvalidRequest).
    /// </summary>
    public Task<CloudInstance> LaunchAsync(LaunchRequest request, string? instanceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        Require(request.Region, nameof(request.Region));
        Require(request.Zone, nameof(request.Zone));
        Require(request.InstanceType, nameof(request.InstanceType));
        if (!Enum.IsDefined(request.Market)) throw InvalidRequest($"Market {request.Market} is not Spot or OnDemand.");
        if (request.MaxPricePerHour is <= 0) throw InvalidRequest($"MaxPricePerHour must be positive, not {request.MaxPricePerHour}.");

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _launchAttempts++;
            var now = _time.GetUtcNow();
            if (!string.IsNullOrEmpty(request.ClientToken) && _byClientToken.TryGetValue(request.ClientToken, out var existing))
            {
                var first = existing.Request;
                if (first.Region != request.Region || first.Zone != request.Zone || first.InstanceType != request.InstanceType || first.Market != request.Market)
                {
                    throw InvalidRequest($"ClientToken '{request.ClientToken}' was already used for a different launch ({first.InstanceType} {first.Market} in {first.Zone}).");
                }

                return Task.FromResult(existing.SnapshotAt(now));
            }

            if (instanceId is not null && _instances.ContainsKey(instanceId)) throw InvalidRequest($"Instance ID '{instanceId}' is already in use.");
            var region = RegionOrThrow(request.Region);
            if (!region.HasZone(request.Zone)) throw InvalidRequest($"Unknown zone '{request.Zone}' in region '{request.Region}' of {Cloud}.");
            if (!region.TryFind(request.Zone, request.InstanceType, out var offerIndex))
            {
                throw InvalidRequest($"Instance type '{request.InstanceType}' is not offered in zone '{request.Zone}' of {Cloud}.");
            }

            var offer = _catalog.OfferAt(offerIndex);
            var spot = request.Market == Market.Spot;
            if (spot && !offer.SpotAvailable) throw InvalidRequest($"Instance type '{offer.InstanceType}' has no spot market in '{offer.Zone}' of {Cloud}.");
            if (!spot && offer.OnDemandPricePerHour is null) throw InvalidRequest($"Instance type '{offer.InstanceType}' has no on-demand price in '{offer.Zone}' of {Cloud}.");

            CheckCapacity(offer, offerIndex, spot, now);
            var elapsed = SimulatedElapsedAt(now);
            var price = spot ? _catalog.Prices.PriceAt(offerIndex, _catalog.Prices.HistoryTimeAt(elapsed).UtcTicks)!.Value : offer.OnDemandPricePerHour!.Value;
            if (spot && request.MaxPricePerHour is { } max && SupportsMaxPrice && price > max)
            {
                throw new CloudException(
                    CloudErrorCode.PriceAboveMaximum,
                    $"The spot price of {offer.InstanceType} in {offer.Zone} is {Format(price)}/h, above the maximum {Format(max)}/h.");
            }

            var instance = new SimulatedInstance(instanceId ?? NewInstanceId(), offerIndex, offer, request, price, NextAddress(), now, _options.BootDelay);
            _instances.Add(instance.InstanceId, instance);
            if (!string.IsNullOrEmpty(request.ClientToken)) _byClientToken.Add(request.ClientToken, instance);
            _launchCount++;
            _liveCount++;
            if (spot) ScheduleNaturalInterruption(instance, now);
            return Task.FromResult(instance.SnapshotAt(now));
        }
    }

    public Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_instances.TryGetValue(instanceId, out var instance) ? instance.SnapshotAt(_time.GetUtcNow()) : null);
        }
    }

    public Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            return Task.FromResult<IReadOnlyList<CloudInstance>>(_instances.Values
                .Where(i => i.StateAt(now) != InstanceState.Terminated && tags.All(t => i.Request.Tags?.GetValueOrDefault(t.Key) == t.Value))
                .Select(i => i.SnapshotAt(now))
                .ToList());
        }
    }

    public Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_instances.TryGetValue(instanceId, out var instance) && instance.StateAt(now) != InstanceState.Terminated)
            {
                if (instance.TerminationAt is null) _liveCount--;
                instance.CancelInterruptionTimer();
                instance.TerminationAt = now;
                instance.TerminationReason = "terminated";
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The simulated instance's health: Unknown while Pending, Healthy when Running (or as set by <see cref="SetHealth"/>), Unhealthy once Terminated.</summary>
    public Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var instance = InstanceOrThrow(instanceId);
            return Task.FromResult(instance.StateAt(_time.GetUtcNow()) switch
            {
                InstanceState.Pending => InstanceHealth.Unknown,
                InstanceState.Running => instance.HealthOverride ?? InstanceHealth.Healthy,
                _ => InstanceHealth.Unhealthy,
            });
        }
    }

    /// <summary>
    /// A stream of the interruption notices issued from this call on (the watcher is registered at once, before the
    /// first MoveNextAsync). Each watcher has its own buffer of at most <see cref="SimulatedCloudOptions.NoticeBuffer"/>
    /// notices (a watcher that falls further behind loses the oldest, counted in <see cref="DroppedNotices"/>), removed
    /// when its enumeration ends or <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<InterruptionNotice>(
            new BoundedChannelOptions(_options.NoticeBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false },
            _ => Interlocked.Increment(ref _droppedNotices));
        lock (_gate)
        {
            if (_disposed) channel.Writer.TryComplete();
            else _watchers.Add(channel);
        }

        var registration = cancellationToken.Register(static state => ((Unwatch)state!).Run(), new Unwatch(this, channel));
        return ReadNoticesAsync(channel, registration, cancellationToken);
    }

    /// <summary>Interruption notices dropped because a watcher had <see cref="SimulatedCloudOptions.NoticeBuffer"/> unread.</summary>
    public long DroppedNotices => Interlocked.Read(ref _droppedNotices);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var instance in _instances.Values) instance.CancelInterruptionTimer();
            foreach (var watcher in _watchers) watcher.Writer.TryComplete();
            _watchers.Clear();
        }
    }

    private async IAsyncEnumerable<InterruptionNotice> ReadNoticesAsync(
        Channel<InterruptionNotice> channel, CancellationTokenRegistration registration, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var notice)) yield return notice;
            }
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            RemoveWatcher(channel);
        }
    }

    private void RemoveWatcher(Channel<InterruptionNotice> channel)
    {
        lock (_gate) _watchers.Remove(channel);
        channel.Writer.TryComplete();
    }

    private TimeSpan SimulatedElapsedAt(DateTimeOffset now) =>
        _options.StartOffset + TimeSpan.FromTicks((long)((now - _startedAt).Ticks * _options.Speed));

    private bool SupportsMaxPrice => Cloud != CloudKind.Gcp;

    /// <summary>Throws InsufficientCapacity when the market has none: forced by <see cref="SetCapacity"/>, its availability trace, or the seeded draw.</summary>
    private void CheckCapacity(InstanceTypeOffer offer, int offerIndex, bool spot, DateTimeOffset now)
    {
        if (_liveCount >= _options.MaxInstances)
        {
            throw new CloudException(CloudErrorCode.InsufficientCapacity, $"The instance limit of {_options.MaxInstances} is reached in {Cloud}.");
        }

        if (spot && _spotCapacity is { } spotForced)
        {
            if (spotForced) return;
            throw NoCapacity(offer, spot, "spot capacity is withdrawn everywhere");
        }

        if (_capacity.TryGetValue((offer.Region, offer.Zone, offer.InstanceType), out var forced))
        {
            if (forced) return;
            throw NoCapacity(offer, spot, "capacity is withdrawn");
        }

        if (spot && _catalog.AvailabilityTraceOf(offerIndex) is { } trace && !trace.IsAvailableAt(SimulatedElapsedAt(now)))
        {
            throw NoCapacity(offer, spot, $"its availability trace ({trace.Source}) has none at this time");
        }

        if (_options.CapacityErrorProbability > 0 && _random.NextDouble() < _options.CapacityErrorProbability)
        {
            throw NoCapacity(offer, spot, "the simulated capacity draw failed");
        }
    }

    private static CloudException NoCapacity(InstanceTypeOffer offer, bool spot, string why) =>
        new(CloudErrorCode.InsufficientCapacity, $"No {(spot ? "spot" : "on-demand")} capacity for {offer.InstanceType} in {offer.Zone}: {why}.");

    /// <summary>Draws the time to interruption from an exponential with the market's hourly hazard, in simulated hours, then scales it to real time.</summary>
    private void ScheduleNaturalInterruption(SimulatedInstance instance, DateTimeOffset now)
    {
        var hazard = _catalog.HourlyHazard(instance.OfferIndex) * _options.InterruptionHazardScale;
        if (!_options.InterruptionsEnabled || !(hazard > 0)) return;
        var simulatedHours = -Math.Log(1 - _random.NextDouble()) / hazard;
        var realHours = simulatedHours / _options.Speed;
        if (!(realHours < 24 * 365 * 100)) return;
        instance.InterruptAt = now + TimeSpan.FromHours(realHours);
        instance.InterruptionTimer = _time.CreateTimer(static state => ((Interruption)state!).Fire(), new Interruption(this, instance), Due(instance.InterruptAt.Value - now), Timeout.InfiniteTimeSpan);
    }

    private void OnInterruptionDue(SimulatedInstance instance)
    {
        lock (_gate)
        {
            if (_disposed || instance.InterruptAt is not { } due || instance.TerminationAt is not null) return;
            var now = _time.GetUtcNow();
            if (now < due)
            {
                instance.InterruptionTimer?.Change(Due(due - now), Timeout.InfiniteTimeSpan);
                return;
            }

            IssueNotice(instance, now, "spot capacity reclaimed");
        }
    }

    /// <summary>Gives every watcher the notice and schedules termination <see cref="SimulatedCloudOptions.NoticeLead"/> later. Caller holds the lock.</summary>
    private void IssueNotice(SimulatedInstance instance, DateTimeOffset now, string reason)
    {
        instance.CancelInterruptionTimer();
        instance.TerminationAt = now + _noticeLead;
        instance.TerminationReason = "interrupted";
        _liveCount--;
        var offer = instance.Offer;
        var notice = new InterruptionNotice(instance.InstanceId, offer.Region, offer.Zone, offer.InstanceType, now, now + _noticeLead, reason);
        foreach (var watcher in _watchers) watcher.Writer.TryWrite(notice);
    }

    private static TimeSpan Due(TimeSpan remaining) =>
        remaining < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : remaining > MaxTimerDue ? MaxTimerDue : remaining;

    private string NewInstanceId()
    {
        while (true)
        {
            var salt = _options.InstanceIdSalt;
            var id = Cloud switch
            {
                CloudKind.Aws => "i-" + (_random.NextInt64() ^ salt).ToString("x16", CultureInfo.InvariantCulture),
                CloudKind.Azure => "vm-" + (_random.NextInt64() ^ salt).ToString("x16", CultureInfo.InvariantCulture),
                _ => GcpId(_random.NextInt64(GcpIdMin, long.MaxValue), salt).ToString(CultureInfo.InvariantCulture),
            };
            if (!_instances.ContainsKey(id)) return id;
        }
    }

    private const long GcpIdMin = 1_000_000_000_000_000_000;

    /// <summary>A simulated instance's state follows from its times: Pending until it runs, Terminated from its end.</summary>
    public static InstanceState StateAt(DateTimeOffset runningAt, DateTimeOffset? terminationAt, DateTimeOffset now) =>
        terminationAt is { } end && now >= end ? InstanceState.Terminated
        : now >= runningAt ? InstanceState.Running
        : InstanceState.Pending;

    /// <summary>
    /// The instance ID a launch with <paramref name="clientToken"/> gets, in this cloud's format: a hash of the token
    /// (and <paramref name="attempt"/>, for the rare ID already taken), so every silo computes the same ID for a token.
    /// </summary>
    public string InstanceIdFor(string clientToken, int attempt = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(clientToken);
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(attempt == 1 ? clientToken : $"{clientToken}#{attempt}"));
        var value = BinaryPrimitives.ReadInt64LittleEndian(digest) & long.MaxValue;
        return Cloud switch
        {
            CloudKind.Aws => "i-" + value.ToString("x16", CultureInfo.InvariantCulture),
            CloudKind.Azure => "vm-" + value.ToString("x16", CultureInfo.InvariantCulture),
            _ => (GcpIdMin + value % (long.MaxValue - GcpIdMin)).ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>A 19-digit GCP instance ID: the draw, salted and kept in the 19-digit range.</summary>
    private static long GcpId(long draw, long salt) =>
        salt == 0 ? draw : GcpIdMin + (long)(((ulong)draw ^ (ulong)salt) % (ulong)(long.MaxValue - GcpIdMin));

    /// <summary>10.b.y.z: b from the seed, then y.z counting up (z in 1..254), so addresses are unique and deterministic.</summary>
    private string NextAddress()
    {
        var n = _launchCount;
        var b = (_addressBase + n / (254 * 256)) % 256;
        return string.Create(CultureInfo.InvariantCulture, $"10.{b}.{n / 254 % 256}.{n % 254 + 1}");
    }

    private RegionOffers RegionOrThrow(string region)
    {
        Require(region, "Region");
        return _catalog.Region(region) ?? throw InvalidRequest($"Unknown region '{region}' in {Cloud}.");
    }

    private SimulatedInstance InstanceOrThrow(string instanceId) =>
        _instances.TryGetValue(instanceId, out var instance)
            ? instance
            : throw new CloudException(CloudErrorCode.NotFound, $"Instance '{instanceId}' is not known to {Cloud}.");

    private static void Require(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) throw InvalidRequest($"{field} is required.");
    }

    private static CloudException InvalidRequest(string message) => new(CloudErrorCode.InvalidRequest, message);

    private static string Format(decimal price) => price.ToString("0.######", CultureInfo.InvariantCulture);

    private static IReadOnlyList<LaunchApi> LaunchApisOf(CloudKind cloud, int maxInstances) => cloud switch
    {
        CloudKind.Aws => [new LaunchApi("ec2:RunInstances", SupportsSpot: true, SupportsOnDemand: true, maxInstances, SupportsMaxPrice: true)],
        CloudKind.Azure => [new LaunchApi("compute:VirtualMachines.CreateOrUpdate", SupportsSpot: true, SupportsOnDemand: true, maxInstances, SupportsMaxPrice: true)],
        _ => [new LaunchApi("compute:instances.insert", SupportsSpot: true, SupportsOnDemand: true, maxInstances, SupportsMaxPrice: false)],
    };

    /// <summary>Removes a watcher when its token is cancelled, even if its stream is never enumerated.</summary>
    private sealed class Unwatch(SimulatedCloud cloud, Channel<InterruptionNotice> channel)
    {
        public void Run() => cloud.RemoveWatcher(channel);
    }

    /// <summary>The state a natural interruption timer carries.</summary>
    private sealed class Interruption(SimulatedCloud cloud, SimulatedInstance instance)
    {
        public void Fire() => cloud.OnInterruptionDue(instance);
    }
}
