using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Simulator;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertPipeline.Tests.Simulator;

/// <summary>The ingest client against a real HTTP server on a loopback socket.</summary>
public sealed class IngestClientTests
{
    private static readonly object AllAccepted3 = new { accepted = 3, duplicates = 0, rejected = 0, errors = Array.Empty<object>() };

    private static (IngestClient Client, RecordingTimeProvider Time) CreateClient(FakeIngestServer server, Action<SimulatorOptions>? change = null)
    {
        var time = new RecordingTimeProvider();
        var options = Some.Options(o =>
        {
            o.InitialBackoff = TimeSpan.FromMilliseconds(100);
            o.MaxBackoff = TimeSpan.FromSeconds(2);
            change?.Invoke(o);
        });
        return (new IngestClient(server.CreateClient(), options.Wrap(), time, NullLogger<IngestClient>.Instance), time);
    }

    private static EventBatch Batch(int count = 3, double concerningShare = 0)
    {
        var events = Some.Events(count, o => { o.SchoolCount = 1; o.ConcerningShare = concerningShare; });
        return new EventBatch("oakfield", events);
    }

    [Fact]
    public async Task SendAsync_Accepted_PostsNdjsonWithApiKey()
    {
        await using var server = await FakeIngestServer.StartAsync((c, _) => FakeIngestServer.Json(c, 202, AllAccepted3));
        var (client, _) = CreateClient(server);
        var batch = Batch();

        var result = await client.SendAsync(batch, CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, result.Outcome);
        Assert.Equal((3, 0, 0, 1), (result.Accepted, result.Duplicates, result.Rejected, result.Attempts));
        var request = Assert.Single(server.EventRequests);
        Assert.Equal("ApiKey test-key", request.Authorization);
        Assert.Equal("application/x-ndjson", request.ContentType);
        var lines = Encoding.UTF8.GetString(request.Body).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(batch.Events.Select(e => e.EventId), lines.Select(l => (string)JsonNode.Parse(l)!["eventId"]!));
        Assert.Contains("+00:00\"", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ServiceUnavailableWithRetryAfter_WaitsThatLongThenSucceeds()
    {
        await using var server = await FakeIngestServer.StartAsync((c, n) =>
        {
            if (n == 1)
            {
                c.Response.Headers.RetryAfter = "7";
                return FakeIngestServer.Json(c, 503, new { error = "queue full, retry after 7 s" });
            }

            return FakeIngestServer.Json(c, 202, new { accepted = 2, duplicates = 1, rejected = 0, errors = Array.Empty<object>() });
        });
        var (client, time) = CreateClient(server);

        var result = await client.SendAsync(Batch(), CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, result.Outcome);
        Assert.Equal((2, 1, 2), (result.Accepted, result.Duplicates, result.Attempts));
        Assert.Equal([TimeSpan.FromSeconds(7)], time.Delays);
        var requests = server.EventRequests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
    }

    [Fact]
    public async Task SendAsync_MultiStatus_ReportsPerItemErrors()
    {
        await using var server = await FakeIngestServer.StartAsync((c, _) => FakeIngestServer.Json(c, 207, new
        {
            accepted = 2,
            duplicates = 0,
            rejected = 1,
            errors = new[] { new { index = 1, eventId = "sim-t1-00000002", field = "occurredAt", error = "must be ISO-8601 with an offset" } },
        }));
        var (client, _) = CreateClient(server);

        var result = await client.SendAsync(Batch(), CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, result.Outcome);
        Assert.Equal((2, 1, 207), (result.Accepted, result.Rejected, result.StatusCode));
        Assert.Equal(new ItemError(1, "sim-t1-00000002", "occurredAt", "must be ISO-8601 with an offset"), Assert.Single(result.Errors));
        Assert.Single(server.EventRequests);
    }

    [Fact]
    public async Task SendAsync_ConnectionDropped_RetriesSameBatchAfterBackoff()
    {
        await using var server = await FakeIngestServer.StartAsync((c, n) =>
        {
            if (n == 1)
            {
                c.Abort();
                return Task.CompletedTask;
            }

            return FakeIngestServer.Json(c, 202, AllAccepted3);
        });
        var (client, time) = CreateClient(server);

        var result = await client.SendAsync(Batch(), CancellationToken.None);

        Assert.Equal(BatchOutcome.Delivered, result.Outcome);
        Assert.Equal(2, result.Attempts);
        var delay = Assert.Single(time.Delays);
        Assert.InRange(delay, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
        var requests = server.EventRequests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
    }

    [Fact]
    public async Task SendAsync_NothingListening_ReportsFailureAfterMaxAttempts()
    {
        Uri deadAddress;
        await using (var server = await FakeIngestServer.StartAsync((c, _) => Task.CompletedTask))
        {
            deadAddress = server.BaseAddress;
        }

        var time = new RecordingTimeProvider();
        var options = Some.Options(o => { o.MaxAttempts = 3; o.InitialBackoff = TimeSpan.FromMilliseconds(100); });
        using var http = new HttpClient { BaseAddress = deadAddress };
        var client = new IngestClient(http, options.Wrap(), time, NullLogger<IngestClient>.Instance);

        var result = await client.SendAsync(Batch(), CancellationToken.None);

        Assert.Equal(BatchOutcome.Failed, result.Outcome);
        Assert.Equal(3, result.Attempts);
        Assert.StartsWith("gave up after 3 attempts", result.Failure, StringComparison.Ordinal);
        var delays = time.Delays.ToList();
        Assert.Equal(2, delays.Count);
        Assert.InRange(delays[0], TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
        Assert.InRange(delays[1], TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task SendAsync_Unauthorized_FailsWithoutRetrying()
    {
        await using var server = await FakeIngestServer.StartAsync((c, _) => FakeIngestServer.Json(c, 401, new { error = "unknown key" }));
        var (client, time) = CreateClient(server);

        var result = await client.SendAsync(Batch(), CancellationToken.None);

        Assert.Equal(BatchOutcome.Failed, result.Outcome);
        Assert.Equal("HTTP 401: unknown key", result.Failure);
        Assert.Single(server.EventRequests);
        Assert.Empty(time.Delays);
    }

    [Fact]
    public async Task SendAsync_BadRequest_ReportsEveryEventRejected()
    {
        await using var server = await FakeIngestServer.StartAsync((c, _) => FakeIngestServer.Json(c, 400, new
        {
            error = "every item rejected",
            errors = new[] { new { index = 0, eventId = "a", field = "text", error = "too long" } },
        }));
        var (client, _) = CreateClient(server);

        var result = await client.SendAsync(Batch(), CancellationToken.None);

        Assert.Equal(BatchOutcome.Rejected, result.Outcome);
        Assert.Equal(3, result.Rejected);
        Assert.Single(result.Errors);
    }

    [Fact]
    public async Task SendAsync_ConcerningEvent_UploadsScreenshotFirstAndSendsItsRef()
    {
        await using var server = await FakeIngestServer.StartAsync((c, _) => FakeIngestServer.Json(c, 202, AllAccepted3));
        var (client, _) = CreateClient(server);
        var batch = Batch(count: 3, concerningShare: 1);

        var result = await client.SendAsync(batch, CancellationToken.None);

        Assert.Equal(3, result.ScreenshotsUploaded);
        var requests = server.Requests.ToList();
        Assert.Equal(["/api/v1/screenshots", "/api/v1/screenshots", "/api/v1/screenshots", "/api/v1/events"], requests.Select(r => r.Path));
        Assert.All(requests.Take(3), r => Assert.Equal("image/png", r.ContentType));
        var sent = Encoding.UTF8.GetString(requests[3].Body).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (string?)JsonNode.Parse(l)!["screenshotRef"]).ToList();
        Assert.All(sent, reference => Assert.Matches("^sha256:[0-9a-f]{64}$", reference));
    }

    [Fact]
    public async Task SendAsync_CancelledDuringBackoff_Throws()
    {
        var firstAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await FakeIngestServer.StartAsync(async (c, _) =>
        {
            await FakeIngestServer.Json(c, 503, new { error = "full" });
            firstAnswered.TrySetResult();
        });
        using var cancellation = new CancellationTokenSource();
        var options = Some.Options(o => o.InitialBackoff = TimeSpan.FromMinutes(1));
        var client = new IngestClient(server.CreateClient(), options.Wrap(), TimeProvider.System, NullLogger<IngestClient>.Instance);

        var sending = client.SendAsync(Batch(), cancellation.Token);
        await firstAnswered.Task.WaitAsync(TimeSpan.FromSeconds(60));

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
    }
}
