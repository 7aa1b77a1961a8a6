using AlertPipeline.Simulator;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertPipeline.Tests.Simulator;

public sealed class SimulatorRunnerTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static SimulatorRunner Runner(IEventSink sink, Action<SimulatorOptions> change)
    {
        var options = Some.Options(o =>
        {
            o.EventsPerSecond = 5_000;
            o.Screenshots = false;
            change(o);
        }).Wrap();
        var generator = new ActivityGenerator(options, TimeProvider.System, new ScreenshotRenderer());
        return new SimulatorRunner(generator, sink, options, TimeProvider.System, NullLogger<SimulatorRunner>.Instance);
    }

    [Fact]
    public async Task RunAsync_MaxEvents_SendsExactlyThatManyInSingleSchoolBatches()
    {
        var sink = new CollectingSink();
        var runner = Runner(sink, o => { o.MaxEvents = 1_234; o.BatchSize = 50; o.SchoolCount = 3; });

        var stats = await runner.RunAsync(CancellationToken.None).WaitAsync(Limit);

        Assert.Equal(1_234, sink.Events.Count);
        Assert.Equal(1_234, sink.Events.Select(e => e.EventId).Distinct().Count());
        Assert.All(sink.Batches, b =>
        {
            Assert.InRange(b.Events.Count, 1, 50);
            Assert.All(b.Events, e => Assert.Equal(b.SchoolId, e.SchoolId));
        });
        Assert.Equal((1_234L, 1_234L, 1_234L, 0L), (stats.Generated, stats.Sent, stats.Accepted, stats.FailedEvents));
    }

    [Fact]
    public async Task RunAsync_ConcerningEvents_CountedByCategory()
    {
        var sink = new CollectingSink();
        var runner = Runner(sink, o => { o.MaxEvents = 2_000; o.ConcerningShare = 0.1; });

        var stats = await runner.RunAsync(CancellationToken.None).WaitAsync(Limit);

        var expected = sink.Events.Where(e => e.Concerning).GroupBy(e => e.ExpectedCategory!)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(p => p.Key), stats.ConcerningByCategory.OrderBy(p => p.Key));
        Assert.Equal(expected.Values.Sum(), stats.Concerning);
        Assert.InRange(stats.Concerning, 100, 300);
    }

    [Fact]
    public async Task RunAsync_RejectedConcerningItem_NotCountedAsAlertable()
    {
        var sink = new CollectingSink
        {
            Answer = b => new BatchResult(BatchOutcome.Delivered, b.Events.Count, b.Events.Count - 1, 0, 1,
                [new ItemError(0, b.Events[0].EventId, "text", "bad")], 1, 207, null),
        };
        var runner = Runner(sink, o => { o.MaxEvents = 300; o.ConcerningShare = 1; o.BatchSize = 10; o.SchoolCount = 1; });

        var stats = await runner.RunAsync(CancellationToken.None).WaitAsync(Limit);

        Assert.Equal(sink.Batches.Count, stats.Rejected);
        Assert.Equal(300 - sink.Batches.Count, stats.Concerning);
    }

    [Fact]
    public async Task RunAsync_SinkFails_CountsFailuresAndKeepsGoing()
    {
        var calls = 0;
        var sink = new CollectingSink
        {
            Answer = b => Interlocked.Increment(ref calls) % 2 == 0
                ? throw new InvalidOperationException("sink bug")
                : new BatchResult(BatchOutcome.Failed, b.Events.Count, 0, 0, 0, [], 8, 503, "gave up"),
        };
        var runner = Runner(sink, o => { o.MaxEvents = 500; o.BatchSize = 25; o.SchoolCount = 1; });

        var stats = await runner.RunAsync(CancellationToken.None).WaitAsync(Limit);

        Assert.Equal((500L, 500L, 0L), (stats.Sent, stats.FailedEvents, stats.Accepted));
        Assert.Equal(sink.Batches.Count, stats.FailedBatches);
    }

    [Fact]
    public async Task RunAsync_Cancelled_ReturnsTotalsWithoutThrowing()
    {
        using var cancellation = new CancellationTokenSource();
        var sink = new CollectingSink();
        sink.Answer = b =>
        {
            if (sink.Batches.Count >= 3)
            {
                cancellation.Cancel();
            }

            return new BatchResult(BatchOutcome.Delivered, b.Events.Count, b.Events.Count, 0, 0, [], 1, 202, null);
        };
        var runner = Runner(sink, o => { o.EventsPerSecond = 100; o.BatchSize = 5; o.SchoolCount = 1; });

        var stats = await runner.RunAsync(cancellation.Token).WaitAsync(Limit);

        Assert.True(sink.Batches.Count >= 3);
        Assert.Equal(sink.Events.Count, stats.Sent);
        Assert.Equal(stats.Sent, stats.Accepted);
        Assert.Equal(stats, runner.Snapshot() with { ConcerningByCategory = stats.ConcerningByCategory });
    }

    [Fact]
    public async Task RunAsync_Duration_StopsNearTheConfiguredRate()
    {
        var sink = new CollectingSink();
        var runner = Runner(sink, o => { o.EventsPerSecond = 200; o.Duration = TimeSpan.FromMilliseconds(500); });

        var stats = await runner.RunAsync(CancellationToken.None).WaitAsync(Limit);

        // 200/s for 0.5 s is 100 events; timer ticks land late, never early, so allow only a little less.
        Assert.InRange(stats.Sent, 80, 100);
        Assert.True(stats.Elapsed >= TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task RunAsync_SecondCall_Throws()
    {
        var runner = Runner(new CollectingSink(), o => o.MaxEvents = 1);
        await runner.RunAsync(CancellationToken.None).WaitAsync(Limit);

        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Create_InProcessHttpClient_DeliversToTheServer()
    {
        // An answer without counts still means the whole batch was taken.
        await using var server = await FakeIngestServer.StartAsync((c, _) => FakeIngestServer.Json(c, 202, new { }));
        using var http = server.CreateClient();
        var runner = SimulatorRunner.Create(http, Some.Options(o => { o.MaxEvents = 40; o.EventsPerSecond = 1000; o.ConcerningShare = 0.5; }));

        var stats = await runner.RunAsync(CancellationToken.None).WaitAsync(Limit);

        Assert.Equal(40, stats.Accepted);
        Assert.Equal(stats.Concerning, stats.ScreenshotsUploaded);
        Assert.Equal(40, server.EventRequests.Sum(r => r.Body.Count(b => b == (byte)'\n')));
    }

    [Fact]
    public void Create_InvalidOptions_ThrowsNamingTheKey()
    {
        using var http = new HttpClient();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => SimulatorRunner.Create(http, Some.Options(o => o.BatchSize = 0)));

        Assert.Contains("Simulator:BatchSize must be between 1 and 5000 (was 0)", error.Failures);
    }
}
