using System.Collections.Concurrent;
using AlertPipeline.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Simulator;

/// <summary>Test data for the simulator: valid options and generators built from them.</summary>
internal static class Some
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 4, 11, TimeSpan.Zero);

    public static SimulatorOptions Options(Action<SimulatorOptions>? change = null)
    {
        var options = new SimulatorOptions { ApiKey = "test-key", RunId = "t1", Seed = 42 };
        change?.Invoke(options);
        return options;
    }

    public static ActivityGenerator Generator(Action<SimulatorOptions>? change = null, TimeProvider? time = null) =>
        new(Microsoft.Extensions.Options.Options.Create(Options(change)), time ?? new FixedTimeProvider(Now), new ScreenshotRenderer());

    public static IReadOnlyList<SimulatedEvent> Events(int count, Action<SimulatorOptions>? change = null)
    {
        var generator = Generator(change);
        return [.. Enumerable.Range(0, count).Select(_ => generator.Next())];
    }
}

/// <summary>A clock that stands still; timers are those of the system clock.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>
/// Real time, except that every timer fires at once and its requested due time is recorded, so back-off
/// and Retry-After can be asserted without waiting for them.
/// </summary>
internal sealed class RecordingTimeProvider : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Delays { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Delays.Enqueue(dueTime);
        return System.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}

/// <summary>Keeps every batch it is given and answers with what <see cref="Answer"/> says (by default: all accepted).</summary>
internal sealed class CollectingSink : IEventSink
{
    public ConcurrentQueue<EventBatch> Batches { get; } = new();

    public Func<EventBatch, BatchResult> Answer { get; set; } =
        batch => new BatchResult(BatchOutcome.Delivered, batch.Events.Count, batch.Events.Count, 0, 0, [], 1, 202, null);

    public IReadOnlyList<SimulatedEvent> Events => [.. Batches.SelectMany(b => b.Events)];

    public Task<BatchResult> SendAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        Batches.Enqueue(batch);
        return Task.FromResult(Answer(batch));
    }
}

internal sealed record ReceivedRequest(int Number, string Path, string? Authorization, string? ContentType, byte[] Body);

/// <summary>
/// A real Kestrel server on a free loopback port that plays the ingest API. The events endpoint runs
/// the script with the 1-based number of the request; screenshots are always stored.
/// </summary>
internal sealed class FakeIngestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _eventCalls;

    private FakeIngestServer(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public IEnumerable<ReceivedRequest> EventRequests => Requests.Where(r => r.Path == "/api/v1/events");

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<FakeIngestServer> StartAsync(Func<HttpContext, int, Task> events)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeIngestServer(app);

        app.MapPost("/api/v1/events", async context =>
        {
            var number = Interlocked.Increment(ref server._eventCalls);
            await server.RecordAsync(context, number);
            await events(context, number);
        });
        app.MapPost("/api/v1/screenshots", async context =>
        {
            var body = await server.RecordAsync(context, 0);
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsJsonAsync(new { @ref = "sha256:" + hash, bytes = body.Length });
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address + "/");
        return server;
    }

    public static Task Json(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(body);
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) }; // a timeout would be retried, changing what the tests count

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<byte[]> RecordAsync(HttpContext context, int number)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        Requests.Enqueue(new ReceivedRequest(number, context.Request.Path, context.Request.Headers.Authorization,
            context.Request.ContentType, body));
        return body;
    }
}

internal static class OptionsExtensions
{
    public static IOptions<SimulatorOptions> Wrap(this SimulatorOptions options) => Microsoft.Extensions.Options.Options.Create(options);
}
