using System.Text;
using AlertPipeline.Queue;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Queue;

public sealed class SqliteEventQueueTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RetentionService_PruneFails_LoopKeepsRunningForTheNextHour()
    {
        // An exception out of a hosted service's loop stops the host, and detection with it: a failed prune must not.
        await using var queue = Open();
        await queue.PublishAsync([Event("a")], default); // the queue's writer is running on its table before it goes
        var path = Path.Combine(_dir.Path, "queue.db");
        Rename(path, "events", "events_away");
        var service = new QueueRetentionService(queue, _clock, NullLogger<QueueRetentionService>.Instance);

        await service.StartAsync(default);
        await Task.Delay(200);

        Assert.False(service.ExecuteTask!.IsCompleted, "the retention loop ended after one failed prune");
        Rename(path, "events_away", "events");
        _clock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(200);
        Assert.False(service.ExecuteTask.IsCompleted);
        await service.StopAsync(default);

        static void Rename(string file, string from, string to)
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"ALTER TABLE {from} RENAME TO {to}";
            command.ExecuteNonQuery();
        }
    }

    [Fact]
    public async Task Publish_ThenRead_ReturnsEventsInOrderWithPayload()
    {
        await using var queue = Open();

        var outcomes = await queue.PublishAsync([Event("a"), Event("b")], default);
        var read = await queue.ReadAsync(10, default);

        Assert.Equal([PublishOutcome.Accepted, PublishOutcome.Accepted], outcomes);
        Assert.Equal(["a", "b"], read.Select(e => e.EventId));
        Assert.Equal("{\"id\":\"a\"}", Encoding.UTF8.GetString(read[0].Payload.Span));
    }

    [Fact]
    public async Task Publish_SameIdTwice_SecondIsDuplicateAndStoredOnce()
    {
        await using var queue = Open();

        await queue.PublishAsync([Event("a")], default);
        var outcomes = await queue.PublishAsync([Event("a"), Event("b"), Event("b")], default);

        Assert.Equal([PublishOutcome.Duplicate, PublishOutcome.Accepted, PublishOutcome.Duplicate], outcomes);
        Assert.Equal(2, queue.ReadFrom(0, 10).Count);
    }

    [Fact]
    public async Task Reopen_AfterCommit_ResumesAfterCommittedPosition()
    {
        await using (var queue = Open())
        {
            await queue.PublishAsync([Event("a"), Event("b"), Event("c")], default);
            var first = await queue.ReadAsync(2, default);
            await queue.CommitAsync(first, default);
        }

        await using var reopened = Open();
        var next = await reopened.ReadAsync(10, default);

        Assert.Equal(["c"], next.Select(e => e.EventId));
    }

    [Fact]
    public async Task Reopen_ReadButNotCommitted_RedeliversTheEvents()
    {
        await using (var queue = Open())
        {
            await queue.PublishAsync([Event("a"), Event("b")], default);
            _ = await queue.ReadAsync(10, default); // processing "crashes" before commit
        }

        await using var reopened = Open();
        var again = await reopened.ReadAsync(10, default);

        Assert.Equal(["a", "b"], again.Select(e => e.EventId));
    }

    [Fact]
    public async Task Publish_OverCapacity_ThrowsAndStoresNothingOfThatBatch()
    {
        await using var queue = Open(capacity: 1_000);
        await queue.PublishAsync(Enumerable.Range(0, 990).Select(i => Event("x" + i)).ToList(), default);

        var ex = await Assert.ThrowsAsync<QueueFullException>(() =>
            queue.PublishAsync(Enumerable.Range(0, 20).Select(i => Event("y" + i)).ToList(), default));

        Assert.Equal(990, ex.Backlog);
        Assert.DoesNotContain(queue.ReadFrom(0, 2_000), e => e.EventId.StartsWith('y'));
    }

    [Fact]
    public async Task Publish_AfterConsumerCatchesUp_AcceptsAgain()
    {
        await using var queue = Open(capacity: 1_000);
        await queue.PublishAsync(Enumerable.Range(0, 1_000).Select(i => Event("x" + i)).ToList(), default);
        await Assert.ThrowsAsync<QueueFullException>(() => queue.PublishAsync([Event("late")], default));

        await queue.CommitAsync(await queue.ReadAsync(1_000, default), default);

        Assert.Equal([PublishOutcome.Accepted], await queue.PublishAsync([Event("late")], default));
    }

    [Fact]
    public async Task Prune_KeepsUncommittedAndRecentEvents()
    {
        await using var queue = Open();
        await queue.PublishAsync([Event("old-done"), Event("old-pending")], default);
        var read = await queue.ReadAsync(1, default);
        await queue.CommitAsync(read, default);
        _clock.Advance(TimeSpan.FromDays(31));
        await queue.PublishAsync([Event("new")], default);

        var deleted = queue.Prune();

        Assert.Equal(1, deleted);
        Assert.Equal(["old-pending", "new"], queue.ReadFrom(0, 10).Select(e => e.EventId));
    }

    [Fact]
    public async Task ReadAsync_WaitsUntilAPublishArrives()
    {
        await using var queue = Open();
        var reading = queue.ReadAsync(10, default).AsTask();
        Assert.False(reading.IsCompleted);

        await queue.PublishAsync([Event("a")], default);

        var read = await reading.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("a", Assert.Single(read).EventId);
    }

    // Issue 12: duplicates took AUTOINCREMENT numbers the backlog counter did not see; the backlog went negative and a
    // queue capped at 1,000 took 11,000 events. Fails on the old main (accepts the whole second round).
    [Fact]
    public async Task Publish_DuplicatesBetweenRounds_BacklogNeverNegativeAndCapacityHolds()
    {
        await using var queue = Open(capacity: 1_000);
        for (var round = 0; round < 10; round++)
        {
            var batch = Enumerable.Range(0, 500).Select(i => Event($"r{round}-{i}")).ToList();
            await queue.PublishAsync(batch, default);
            await queue.PublishAsync(batch, default); // an agent's retry: all duplicates
            await queue.CommitAsync(await queue.ReadAsync(1_000, default), default);
            Assert.Equal(0, queue.Backlog);
        }

        var accepted = 0;
        for (var i = 0; i < 3; i++)
        {
            try
            {
                accepted += (await queue.PublishAsync(Enumerable.Range(0, 500).Select(k => Event($"full{i}-{k}")).ToList(), default))
                    .Count(o => o == PublishOutcome.Accepted);
            }
            catch (QueueFullException)
            {
                // Expected once the backlog reaches the capacity.
            }
        }

        Assert.Equal(1_000, accepted);
        Assert.Equal(1_000, queue.Backlog);
    }

    // Issue 12: an event's identity is (school, device, eventId); the same id from another school or device is
    // another event. Fails on the old main (the second and third are "duplicates").
    [Fact]
    public async Task Publish_SameIdOtherSchoolOrDevice_AllAccepted()
    {
        await using var queue = Open();

        var outcomes = await queue.PublishAsync([Event("e1", "oakfield", "dev-1"), Event("e1", "riverside", "dev-1"), Event("e1", "oakfield", "dev-2")], default);
        var again = await queue.PublishAsync([Event("e1", "riverside", "dev-1")], default);

        Assert.Equal([PublishOutcome.Accepted, PublishOutcome.Accepted, PublishOutcome.Accepted], outcomes);
        Assert.Equal([PublishOutcome.Duplicate], again);
        Assert.Equal(3, (await queue.ReadAsync(10, default)).Count);
    }

    // Issue 12: a queue file from before keeps working: rows, positions and the committed position survive, and
    // the identity becomes (school, device, id) using the device inside each stored event.
    [Fact]
    public async Task Open_QueueFileFromBeforeIssue12_MigratesKeepingPositions()
    {
        var path = Path.Combine(_dir.Path, "queue.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, school_id TEXT NOT NULL,
                    user_login TEXT NOT NULL, accepted_at INTEGER NOT NULL, payload BLOB NOT NULL);
                CREATE TABLE consumers (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
                INSERT INTO events(event_id, school_id, user_login, accepted_at, payload) VALUES
                    ('a', 'oakfield', 'p', 0, CAST('{"eventId":"a","deviceId":"dev-1"}' AS BLOB)),
                    ('b', 'oakfield', 'p', 0, CAST('{"eventId":"b","deviceId":"dev-1"}' AS BLOB)),
                    ('c', 'oakfield', 'p', 0, CAST('{"eventId":"c","deviceId":"dev-2"}' AS BLOB));
                INSERT INTO consumers VALUES ('detect', 1);
                """;
            command.ExecuteNonQuery();
        }

        await using var queue = Open();

        Assert.Equal(2, queue.Backlog);
        Assert.Equal(["b", "c"], (await queue.ReadAsync(10, default)).Select(e => e.EventId));
        Assert.Equal([PublishOutcome.Duplicate, PublishOutcome.Accepted], await queue.PublishAsync([Event("c", "oakfield", "dev-2"), Event("c", "riverside", "dev-2")], default));
    }

    [Fact]
    public async Task Requeue_DeadLetteredPosition_MovesTheEventToTheEnd()
    {
        await using var queue = Open();
        await queue.PublishAsync([Event("a"), Event("b")], default);
        await queue.CommitAsync(await queue.ReadAsync(10, default), default);

        var newSeq = queue.Requeue(1, null);

        Assert.Equal(3, newSeq);
        var again = Assert.Single(await queue.ReadAsync(10, default));
        Assert.Equal("a", again.EventId);
        Assert.Throws<InvalidOperationException>(() => queue.Requeue(99, null));
    }

    private SqliteEventQueue Open(long capacity = 1_000_000) => new(
        new SqliteDatabase(Path.Combine(_dir.Path, "queue.db"), "FULL"),
        Options.Create(new QueueOptions { Capacity = capacity, PollInterval = TimeSpan.FromMilliseconds(100) }),
        _clock,
        NullLogger<SqliteEventQueue>.Instance);

    private static QueuedEvent Event(string id, string school = "oakfield", string device = "dev-1") => new(id, school, device, "pupil", Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}"));
}
