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
                    event_id TEXT NOT NULL,
                    school_id TEXT NOT NULL,
                    device_id TEXT NOT NULL,
                    user_login TEXT NOT NULL,
                    accepted_at INTEGER NOT NULL,
                    payload BLOB NOT NULL,
                    -- The event id leads: agents send time-ordered ids (docs/events.md), so each commit appends to
                    -- the right edge of this index. Led by school and device, every commit touched a leaf page per
                    -- device (3x fewer events/s in the bench: each of those pages written to the WAL and checkpointed).
                    UNIQUE (event_id, school_id, device_id));
                CREATE TABLE IF NOT EXISTS consumers (
                    name TEXT PRIMARY KEY,
                    position INTEGER NOT NULL);
                """);
            MigrateEventIdentity(connection);
            _lastSeq = Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM events");
            _committed = Scalar(connection, $"SELECT COALESCE((SELECT position FROM consumers WHERE name = '{DetectConsumer}'), 0)");
            _readPosition = _committed;
        }

        LogOpened(_database.Path, _lastSeq - _committed);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Queue files written before issue 12 held <c>event_id</c> unique across the trust (one school's id could
    /// swallow another's event). Rebuilt once, in one transaction, keyed by (school, device, id); every row keeps its
    /// <c>seq</c>, so consumer positions stay valid. The device comes from the stored event itself.
    /// </summary>
    private static void MigrateEventIdentity(SqliteConnection connection)
    {
        if (Scalar(connection, "SELECT COUNT(*) FROM pragma_table_info('events') WHERE name = 'device_id'") == 1)
        {
            return;
        }

        using var transaction = connection.BeginTransaction();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE events_v2 (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id TEXT NOT NULL,
                school_id TEXT NOT NULL,
                device_id TEXT NOT NULL,
                user_login TEXT NOT NULL,
                accepted_at INTEGER NOT NULL,
                payload BLOB NOT NULL,
                UNIQUE (event_id, school_id, device_id));
            INSERT INTO events_v2(seq, event_id, school_id, device_id, user_login, accepted_at, payload)
                SELECT seq, event_id, school_id, COALESCE(json_extract(CAST(payload AS TEXT), '$.deviceId'), ''), user_login, accepted_at, payload
                FROM events;
            DROP TABLE events;
            ALTER TABLE events_v2 RENAME TO events;
            """, transaction);
        transaction.Commit();
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

            // Another process (deadletters replay, an ingest-only host) may have written past what this one counted.
            _lastSeq = Math.Max(_lastSeq, position);
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
    /// Puts the event at <paramref name="seq"/> at the end of the queue again (a new position, accepted now), so
    /// detection reads it once more: <c>deadletters replay</c>. Moved, not copied, so its identity stays unique. When
    /// the queue no longer holds it (pruned), <paramref name="fallback"/> is queued if it is a whole, valid event.
    /// Returns the new position; throws <see cref="InvalidOperationException"/> naming why it cannot.
    /// </summary>
    public long Requeue(long seq, (byte[] Payload, bool Truncated)? fallback)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT event_id, school_id, device_id, user_login, payload FROM events WHERE seq = $seq";
        read.Parameters.AddWithValue("$seq", seq);
        QueuedEvent? e = null;
        using (var reader = read.ExecuteReader())
        {
            if (reader.Read())
            {
                e = new QueuedEvent(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), (byte[])reader.GetValue(4));
            }
        }

        if (e is null)
        {
            if (fallback is not { Truncated: false } whole)
            {
                throw new InvalidOperationException($"position {seq} is no longer in the queue and the dead letter holds only the start of the event");
            }

            var parsed = Events.DeviceEventReader.TryRead(whole.Payload, DateTimeOffset.MaxValue, out var error)
                ?? throw new InvalidOperationException($"position {seq} is no longer in the queue and the dead letter is not a valid event ({error!.Field} {error.Error})");
            e = new QueuedEvent(parsed.EventId, parsed.SchoolId, parsed.DeviceId, parsed.UserLogin, whole.Payload);
        }

        using var move = connection.CreateCommand();
        move.Transaction = transaction;
        move.CommandText = """
            DELETE FROM events WHERE seq = $seq OR (school_id = $school AND device_id = $device AND event_id = $id);
            INSERT INTO events(event_id, school_id, device_id, user_login, accepted_at, payload) VALUES ($id, $school, $device, $login, $at, $payload);
            SELECT last_insert_rowid();
            """;
        move.Parameters.AddWithValue("$seq", seq);
        move.Parameters.AddWithValue("$id", e.EventId);
        move.Parameters.AddWithValue("$school", e.SchoolId);
        move.Parameters.AddWithValue("$device", e.DeviceId);
        move.Parameters.AddWithValue("$login", e.UserLogin);
        move.Parameters.AddWithValue("$at", _clock.GetUtcNow().ToUnixTimeMilliseconds());
        move.Parameters.AddWithValue("$payload", e.Payload.ToArray());
        var newSeq = Convert.ToInt64(move.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        transaction.Commit();
        lock (_positionLock)
        {
            _lastSeq = Math.Max(_lastSeq, newSeq);
        }

        _written.Release();
        return newSeq;
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
        // NOT EXISTS before the insert, not only ON CONFLICT: a conflicting insert still takes an AUTOINCREMENT
        // number, and those gaps made the backlog (last seq minus committed position) go negative, so the capacity
        // never bit (a queue capped at 1,000 took 11,000 events).
        insert.CommandText = """
            INSERT INTO events(event_id, school_id, device_id, user_login, accepted_at, payload)
            SELECT $id, $school, $device, $login, $at, $payload
            WHERE NOT EXISTS (SELECT 1 FROM events WHERE school_id = $school AND device_id = $device AND event_id = $id)
            ON CONFLICT DO NOTHING
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var school = insert.Parameters.Add("$school", SqliteType.Text);
        var device = insert.Parameters.Add("$device", SqliteType.Text);
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
                Commit(connection, insert, pending, new(id, school, device, login, at, payload));
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

    private readonly record struct InsertParameters(
        SqliteParameter Id, SqliteParameter School, SqliteParameter Device, SqliteParameter Login, SqliteParameter At, SqliteParameter Payload);

    private void Commit(SqliteConnection connection, SqliteCommand insert, List<PublishRequest> pending, InsertParameters p)
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
        long lastSeq;
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
                    p.Id.Value = e.EventId;
                    p.School.Value = e.SchoolId;
                    p.Device.Value = e.DeviceId;
                    p.Login.Value = e.UserLogin;
                    p.At.Value = now;
                    p.Payload.Value = e.Payload.ToArray();
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

            lastSeq = inserted == 0 ? -1 : Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM events", transaction);
            transaction.Commit();
        }

        lock (_positionLock)
        {
            // The real last position, not a count: positions are what detection commits, so backlog (last minus
            // committed) is in the same units on both sides and can never go negative.
            _lastSeq = Math.Max(_lastSeq, lastSeq);
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

    private static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
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
