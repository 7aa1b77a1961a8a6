using System.Threading.Channels;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Queue;

/// <summary>
/// The embedded durable queue: an append-only SQLite table (<c>queue.db</c>) with one committed position per
/// consumer. See docs/decisions/0001-embedded-queue.md.
/// <para>
/// All writes go through one writer task that commits every batch waiting at that moment in a single transaction
/// ("group commit"): with <c>synchronous=FULL</c> each commit costs an fsync, so a thousand agents posting small
/// batches share fsyncs instead of queueing behind one each.
/// </para>
/// </summary>
internal sealed partial class SqliteEventQueue : IEventPublisher, IEventConsumer, IAsyncDisposable
{
    internal const string DetectConsumer = "detect";

    private readonly SqliteDatabase _database;
    private readonly QueueOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<SqliteEventQueue> _logger;

    // Bounded so that a flood of requests waits in ASP.NET (and, past Kestrel's limits, at the agent) instead of
    // growing memory here; 256 pending batches of up to 5,000 events is the most this queue holds in memory.
    private readonly Channel<PublishRequest> _requests = Channel.CreateBounded<PublishRequest>(
        new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    // Released by the writer after each commit so the consumer reacts at once instead of polling.
    private readonly SemaphoreSlim _written = new(0, int.MaxValue);
    private readonly Task _writer;
    private readonly Lock _positionLock = new();

    private int _disposed;
    private long _lastSeq;
    private long _committed;
    private long _readPosition;

    public SqliteEventQueue(SqliteDatabase database, IOptions<QueueOptions> options, TimeProvider clock, ILogger<SqliteEventQueue> logger)
    {
        _database = database;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        using (var connection = _database.Open())
        {
            SqliteDatabase.Execute(connection, """
                CREATE TABLE IF NOT EXISTS events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL UNIQUE,
                    school_id TEXT NOT NULL,
                    user_login TEXT NOT NULL,
                    accepted_at INTEGER NOT NULL,
                    payload BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS consumers (
                    name TEXT PRIMARY KEY,
                    position INTEGER NOT NULL);
                """);
            _lastSeq = Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM events");
            _committed = Scalar(connection, $"SELECT COALESCE((SELECT position FROM consumers WHERE name = '{DetectConsumer}'), 0)");
            _readPosition = _committed;
        }

        LogOpened(_database.Path, _lastSeq - _committed);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Events accepted and not yet committed by detection.</summary>
    public long Backlog
    {
        get
        {
            lock (_positionLock)
            {
                return _lastSeq - _committed;
            }
        }
    }

    public async Task<IReadOnlyList<PublishOutcome>> PublishAsync(IReadOnlyList<QueuedEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return [];
        }

        var request = new PublishRequest(events);
        await _requests.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);

        // Once written to the channel the request will be committed or failed; we wait for that even if the
        // caller gives up, so "was it stored?" always has one answer.
        return await request.Completion.Task.ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<ConsumedEvent>> ReadAsync(int max, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = ReadFrom(_readPosition, max);
            if (batch.Count > 0)
            {
                _readPosition = batch[^1].Position.Offset;
                return batch;
            }

            // Nothing new: wait for our own writer's signal, or poll for another process's writes. The timeout is
            // a wake-up interval, not a timing decision, so it runs on the real clock even under a fake TimeProvider.
            await _written.WaitAsync(_options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask CommitAsync(IReadOnlyList<ConsumedEvent> processed, CancellationToken cancellationToken)
    {
        if (processed.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var position = processed.Max(e => e.Position.Offset);

        // NORMAL, not FULL: a position lost to a power cut only means the batch is read again, and the alert store
        // ignores what it already holds. Saving the fsync here roughly halves the cost of a detection batch.
        using var connection = _database.Open("NORMAL");
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO consumers(name, position) VALUES ($name, $position)
            ON CONFLICT(name) DO UPDATE SET position = MAX(position, excluded.position)
            """;
        command.Parameters.AddWithValue("$name", DetectConsumer);
        command.Parameters.AddWithValue("$position", position);
        command.ExecuteNonQuery();
        lock (_positionLock)
        {
            _committed = Math.Max(_committed, position);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Reads retained events after a position without moving any consumer (used by replay).</summary>
    public IReadOnlyList<ConsumedEvent> ReadFrom(long afterSeq, int max)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, event_id, accepted_at, payload FROM events WHERE seq > $after ORDER BY seq LIMIT $max";
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$max", max);
        using var reader = command.ExecuteReader();
        var result = new List<ConsumedEvent>();
        while (reader.Read())
        {
            result.Add(new ConsumedEvent(
                new EventPosition(0, reader.GetInt64(0)),
                reader.GetString(1),
                (byte[])reader.GetValue(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return result;
    }

    /// <summary>
    /// Detection's committed position, how many events wait after it, and when the oldest of them was accepted: read
    /// from queue.db, not from this object's counters, because detection may run in another process. The count stops
    /// at a million (the watchdog only needs "some" and a figure).
    /// </summary>
    public (long Position, long Waiting, DateTimeOffset? OldestAcceptedAt) Progress()
    {
        using var connection = _database.Open();
        var position = Scalar(connection, $"SELECT COALESCE((SELECT position FROM consumers WHERE name = '{DetectConsumer}'), 0)");
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE seq > $position LIMIT 1000000)),
                   (SELECT accepted_at FROM events WHERE seq > $position ORDER BY seq LIMIT 1)
            """;
        command.Parameters.AddWithValue("$position", position);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (position, reader.GetInt64(0), reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
    }

    /// <summary>Deletes processed events older than the retention window. Returns how many were deleted.</summary>
    public int Prune()
    {
        var cutoff = _clock.GetUtcNow().AddDays(-_options.RetentionDays).ToUnixTimeMilliseconds();
        long committed;
        lock (_positionLock)
        {
            committed = _committed;
        }

        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM events WHERE seq <= $committed AND accepted_at < $cutoff";
        command.Parameters.AddWithValue("$committed", committed);
        command.Parameters.AddWithValue("$cutoff", cutoff);
        var deleted = command.ExecuteNonQuery();
        if (deleted > 0)
        {
            LogPruned(deleted, _options.RetentionDays);
        }

        return deleted;
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes this once per registration (class and both interfaces): only the first call acts.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Let the writer commit (or fail) every batch already handed over before the process goes.
        _requests.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        using var connection = _database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO events(event_id, school_id, user_login, accepted_at, payload)
            VALUES ($id, $school, $login, $at, $payload) ON CONFLICT(event_id) DO NOTHING
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var school = insert.Parameters.Add("$school", SqliteType.Text);
        var login = insert.Parameters.Add("$login", SqliteType.Text);
        var at = insert.Parameters.Add("$at", SqliteType.Integer);
        var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
        insert.Prepare();

        var pending = new List<PublishRequest>();
        while (await _requests.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            pending.Clear();
            var events = 0;

            // Take everything that is waiting, up to a bound that keeps one transaction short.
            while (events < 20_000 && _requests.Reader.TryRead(out var request))
            {
                pending.Add(request);
                events += request.Events.Count;
            }

            try
            {
                Commit(connection, insert, pending, id, school, login, at, payload);
            }
#pragma warning disable CA1031 // The writer must survive any failure of one commit and report it to the callers.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogCommitFailed(ex, pending.Count);
                foreach (var request in pending)
                {
                    request.Completion.TrySetException(ex);
                }
            }
        }
    }

    private void Commit(SqliteConnection connection, SqliteCommand insert, List<PublishRequest> pending,
        SqliteParameter id, SqliteParameter school, SqliteParameter login, SqliteParameter at, SqliteParameter payload)
    {
        long backlog;
        lock (_positionLock)
        {
            backlog = _lastSeq - _committed;
        }

        if (backlog + pending.Sum(r => r.Events.Count) > _options.Capacity)
        {
            // Detection may run in another process (serve --role detect): its progress is only in the database.
            var committed = Scalar(connection, $"SELECT COALESCE((SELECT position FROM consumers WHERE name = '{DetectConsumer}'), 0)");
            lock (_positionLock)
            {
                _committed = Math.Max(_committed, committed);
                backlog = _lastSeq - _committed;
            }
        }

        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var inserted = 0;
        var results = new List<(PublishRequest Request, PublishOutcome[]? Outcomes)>(pending.Count);
        using (var transaction = connection.BeginTransaction())
        {
            insert.Transaction = transaction;
            foreach (var request in pending)
            {
                // Capacity is checked per whole batch, so a batch is either stored entirely or not at all.
                if (backlog + request.Events.Count > _options.Capacity)
                {
                    results.Add((request, null));
                    continue;
                }

                var outcomes = new PublishOutcome[request.Events.Count];
                for (var i = 0; i < outcomes.Length; i++)
                {
                    var e = request.Events[i];
                    id.Value = e.EventId;
                    school.Value = e.SchoolId;
                    login.Value = e.UserLogin;
                    at.Value = now;
                    payload.Value = e.Payload.ToArray();
                    var stored = insert.ExecuteNonQuery() == 1;
                    outcomes[i] = stored ? PublishOutcome.Accepted : PublishOutcome.Duplicate;
                    if (stored)
                    {
                        backlog++;
                        inserted++;
                    }
                }

                results.Add((request, outcomes));
            }

            transaction.Commit();
        }

        lock (_positionLock)
        {
            // Counted, not derived from _committed: detection may have committed while this transaction ran.
            _lastSeq += inserted;
        }

        foreach (var (request, outcomes) in results)
        {
            if (outcomes is null)
            {
                request.Completion.TrySetException(new QueueFullException(backlog, _options.Capacity));
            }
            else
            {
                request.Completion.TrySetResult(outcomes);
            }
        }

        _written.Release();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded queue {Path} opened with {Backlog} events waiting")]
    private partial void LogOpened(string path, long backlog);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} processed events older than {Days} days")]
    private partial void LogPruned(int count, int days);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue commit of {Batches} batches failed; callers are told, nothing was acknowledged")]
    private partial void LogCommitFailed(Exception exception, int batches);

    private sealed class PublishRequest(IReadOnlyList<QueuedEvent> events)
    {
        public IReadOnlyList<QueuedEvent> Events { get; } = events;

        public TaskCompletionSource<IReadOnlyList<PublishOutcome>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
