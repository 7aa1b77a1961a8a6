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
    private readonly FakeClock _clock = new();

    public void Dispose() => _dir.Dispose();

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

        var read = await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a", Assert.Single(read).EventId);
    }

    private SqliteEventQueue Open(long capacity = 1_000_000) => new(
        new SqliteDatabase(Path.Combine(_dir.Path, "queue.db"), "FULL"),
        Options.Create(new QueueOptions { Capacity = capacity, PollInterval = TimeSpan.FromMilliseconds(100) }),
        _clock,
        NullLogger<SqliteEventQueue>.Instance);

    private static QueuedEvent Event(string id) => new(id, "oakfield", "pupil", Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}"));
}
