using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Arbitrage.Orleans.Grains.Storage;
using Npgsql;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// Group commit for the ledger store's short statements (grain state reads, writes and clears). Statements are
/// queued and sent by a few workers, each on its own pooled connection: a worker takes everything queued (up to
/// <see cref="PostgresOptions.MaxBatchCommands"/>) and sends it as one <see cref="NpgsqlBatch"/>: one round trip and one
/// implicit transaction, hence one WAL flush for all of them. An idle batcher sends a lone statement at once, so
/// batching costs no latency; under load the batches grow by themselves, and the number of connections stays fixed.
/// Reads have a lane (queue and workers) of their own, so a read never waits behind a batch's WAL flush.
/// <para>
/// A batch is all or nothing. When PostgreSQL rejects one (an error in any statement, a deadlock), nothing of it was
/// written and each statement is sent again on its own, so one statement's failure is only its own. A lost connection
/// fails every statement of the batch, as it would fail a single statement: whether it was written is unknown.
/// </para>
/// Every statement must return a result set (a query, or RETURNING), which is how the reader tells them apart.
/// <para>
/// Each lane holds at most <see cref="PostgresOptions.MaxQueuedCommands"/> statements waiting for a worker: past it, a
/// statement is refused at once with a <see cref="StorageOverloadedException"/> (nothing of it is sent), so a database
/// slower than the load makes callers retry instead of growing the silo's memory without bound.
/// </para>
/// </summary>
internal sealed partial class PostgresCommandBatcher : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly int _maxBatchCommands;
    private readonly ILogger _logger;
    private readonly int _maxQueued;
    private readonly Channel<PendingCommand> _changes;
    private readonly Channel<PendingCommand> _reads;
    private readonly Task[] _workers;
    private volatile bool _stopped;

    public PostgresCommandBatcher(NpgsqlDataSource dataSource, PostgresOptions options, ILogger<PostgresCommandBatcher> logger)
    {
        _dataSource = dataSource;
        _maxBatchCommands = options.MaxBatchCommands;
        _maxQueued = options.MaxQueuedCommands;
        _logger = logger;
        var lane = new BoundedChannelOptions(_maxQueued) { FullMode = BoundedChannelFullMode.Wait };
        _changes = Channel.CreateBounded<PendingCommand>(lane);
        _reads = Channel.CreateBounded<PendingCommand>(lane);
        _workers = Enumerable.Range(0, options.BatchConnections)
            .SelectMany(_ => new[] { Task.Run(() => WorkAsync(_changes.Reader)), Task.Run(() => WorkAsync(_reads.Reader)) })
            .ToArray();
    }

    /// <summary>Runs <paramref name="sql"/> (a change that returns a result set) in the next batch and maps each row it returns.</summary>
    public Task<List<T>> QueryAsync<T>(string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, T> readRow, CancellationToken cancellationToken) =>
        Enqueue(_changes, "writes", sql, parameters, readRow, cancellationToken);

    /// <summary>Runs the query <paramref name="sql"/>, which changes nothing, in the next batch of reads.</summary>
    public Task<List<T>> ReadAsync<T>(string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, T> readRow, CancellationToken cancellationToken) =>
        Enqueue(_reads, "reads", sql, parameters, readRow, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        _changes.Writer.TryComplete();
        _reads.Writer.TryComplete();
        await Task.WhenAll(_workers); // what was queued is still sent
    }

    private Task<List<T>> Enqueue<T>(Channel<PendingCommand> lane, string laneName, string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, T> readRow,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_stopped) throw new ObjectDisposedException(nameof(PostgresCommandBatcher), "The PostgreSQL command batcher has stopped.");
        var pending = new PendingCommand<T>(sql, parameters, readRow, cancellationToken);
        if (lane.Writer.TryWrite(pending)) return pending.Task;
        pending.Abandon();
        if (_stopped) throw new ObjectDisposedException(nameof(PostgresCommandBatcher), "The PostgreSQL command batcher has stopped.");
        LogQueueFull(laneName, _maxQueued);
        throw new StorageOverloadedException(
            $"The database is not keeping up: {_maxQueued} {laneName} are already waiting for it on this silo (Postgres:MaxQueuedCommands). Nothing was sent; retry shortly.");
    }

    private async Task WorkAsync(ChannelReader<PendingCommand> lane)
    {
        var batch = new List<PendingCommand>(_maxBatchCommands);
        while (await lane.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatchCommands && lane.TryRead(out var pending))
            {
                if (pending.TryClaim()) batch.Add(pending);
            }

            if (batch.Count > 0) await SendAsync(batch);
        }
    }

    private async Task SendAsync(List<PendingCommand> batch)
    {
        try
        {
            await ExecuteAsync(batch);
            foreach (var pending in batch) pending.Succeed();
        }
        catch (PostgresException e) when (batch.Count > 1)
        {
            LogBatchRejected(e, batch.Count, e.SqlState);
            foreach (var pending in batch) await SendAloneAsync(pending);
        }
        catch (Exception e)
        {
            foreach (var pending in batch) pending.Fail(e);
        }
    }

    private async Task SendAloneAsync(PendingCommand pending)
    {
        try
        {
            await ExecuteAsync([pending]);
            pending.Succeed();
        }
        catch (Exception e)
        {
            pending.Fail(e);
        }
    }

    // Not cancellable: once a statement is on its way, cancelling would leave unknown whether it was written.
    private async Task ExecuteAsync(IReadOnlyList<PendingCommand> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlBatch(connection);
        foreach (var pending in batch)
        {
            pending.Reset();
            command.BatchCommands.Add(pending.CreateCommand());
        }

        await using var reader = await command.ExecuteReaderAsync();
        for (int i = 0; i < batch.Count; i++)
        {
            if (i > 0 && !await reader.NextResultAsync())
            {
                throw new InvalidOperationException($"Statement {i + 1} of a batch returned no result set; batched statements must be queries or use RETURNING.");
            }

            while (await reader.ReadAsync()) batch[i].ReadRow(reader);
        }
    }

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "The PostgreSQL {Lane} queue is full ({Limit} statements waiting); a statement was refused")]
    private partial void LogQueueFull(string lane, int limit);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "PostgreSQL rejected a batch of {Count} statements ({SqlState}); nothing of it was written, each statement is sent again on its own")]
    private partial void LogBatchRejected(Exception exception, int count, string sqlState);

    /// <summary>A statement waiting for its batch: queued, then claimed by a worker, or cancelled while still queued.</summary>
    private abstract class PendingCommand(string sql, NpgsqlParameter[] parameters)
    {
        private const int Queued = 0, Claimed = 1, Cancelled = 2;
        private int _state;
        private bool _sent;

        public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;

        protected bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

        /// <summary>A fresh command each time it is sent; sent again, it takes copies (a parameter belongs to one command only).</summary>
        public NpgsqlBatchCommand CreateCommand()
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var parameter in parameters) command.Parameters.Add(_sent ? parameter.Clone() : parameter);
            _sent = true;
            return command;
        }

        public abstract void Reset();

        public abstract void Abandon();

        public abstract void ReadRow(NpgsqlDataReader reader);

        public abstract void Succeed();

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingCommand<T> : PendingCommand
    {
        private readonly TaskCompletionSource<List<T>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Func<NpgsqlDataReader, T> _readRow;
        private readonly CancellationTokenRegistration _cancellation;
        private List<T> _rows = [];

        public PendingCommand(string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, T> readRow, CancellationToken cancellationToken)
            : base(sql, parameters)
        {
            _readRow = readRow;
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.Register(() =>
                {
                    if (TryCancel()) _completion.TrySetCanceled(cancellationToken);
                });
            }
        }

        public Task<List<T>> Task => _completion.Task;

        /// <summary>Never queued: only its cancellation registration is released.</summary>
        public override void Abandon() => _cancellation.Dispose();

        public override void Reset() => _rows = [];

        public override void ReadRow(NpgsqlDataReader reader) => _rows.Add(_readRow(reader));

        public override void Succeed()
        {
            _cancellation.Dispose();
            _completion.TrySetResult(_rows);
        }

        public override void Fail(Exception exception)
        {
            _cancellation.Dispose();
            _completion.TrySetException(exception);
        }
    }
}
