using System.Buffers;
using AlertPipeline.Events;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Queue;
using Microsoft.AspNetCore.Http.Features;

namespace AlertPipeline.Ingest;

/// <summary><c>POST /api/v1/events</c> and <c>POST /api/v1/screenshots</c> for device agents (docs/events.md).</summary>
internal static partial class IngestEndpoints
{
    public const string DeviceAgentPolicy = "device-agent";

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").RequireAuthorization(DeviceAgentPolicy);
        group.MapPost("/events", PostEventsAsync);
        group.MapPost("/screenshots", PostScreenshotAsync);
        group.MapGet("/agent/triggers", AgentTriggers.Get);
        return app;
    }

    private static async Task<IResult> PostEventsAsync(HttpContext context, IEventPublisher publisher, TimeProvider clock,
        Microsoft.Extensions.Options.IOptions<IngestOptions> options, Schools.SchoolDirectory schools, Kernel.PipelineMetrics metrics, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("AlertPipeline.Ingest");
        var school = context.User.FindFirst(ApiKeyAuthenticationHandler.SchoolClaim)!.Value;
        var device = context.User.FindFirst(ApiKeyAuthenticationHandler.DeviceClaim)?.Value;
        var contentType = context.Request.ContentType ?? string.Empty;
        var ndjson = contentType.Contains("ndjson", StringComparison.OrdinalIgnoreCase)
                     || contentType.Contains("jsonl", StringComparison.OrdinalIgnoreCase);
        if (!ndjson && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return Error(StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type must be application/json (an array of events) or application/x-ndjson (was '{contentType}')");
        }

        var body = await ReadBodyAsync(context, EventLimits.MaxBatchBytes).ConfigureAwait(false);
        if (body is null)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, $"a batch is at most {EventLimits.MaxBatchBytes} bytes");
        }

        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return Error(StatusCodes.Status400BadRequest, "the body is empty: send a JSON array of events or NDJSON, one event per line");
        }

        ParsedBatch batch;
        try
        {
            batch = EventBatchReader.Read(body, ndjson, school, device, clock.GetUtcNow(), options.Value.Window, schools.IsConfigured);
        }
        catch (BatchFormatException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }

        IReadOnlyList<PublishOutcome> outcomes;
        try
        {
            // Not the request's token: once handed over, the events are committed or failed as a whole, and the
            // agent learns which on its retry (duplicates are answered as such).
            outcomes = await publisher.PublishAsync(batch.Valid, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QueueFullException ex)
        {
            LogQueueFull(logger, ex.Backlog, ex.Capacity);
            context.Response.Headers.RetryAfter = "5";
            return Error(StatusCodes.Status503ServiceUnavailable, "queue full, retry after 5 s; nothing in this batch was accepted");
        }

        var duplicates = outcomes.Count(o => o == PublishOutcome.Duplicate);
        metrics.Received(outcomes.Count - duplicates, duplicates, batch.Errors.Count);
        var body202 = new
        {
            accepted = outcomes.Count - duplicates,
            duplicates,
            rejected = batch.Errors.Count,
            repaired = batch.Repaired,
            errors = batch.Errors.Select(e => new { index = e.Index, eventId = e.EventId, field = e.Field, error = e.Error }),
        };
        if (batch.Errors.Count > 0)
        {
            LogRejected(logger, batch.Errors.Count, batch.Total, school, batch.Errors[0].Field, batch.Errors[0].Error);
        }

        var status = batch.Errors.Count == 0 ? StatusCodes.Status202Accepted
            : batch.Valid.Count == 0 ? StatusCodes.Status400BadRequest
            : StatusCodes.Status207MultiStatus;
        return Results.Json(body202, statusCode: status);
    }

    private static async Task<IResult> PostScreenshotAsync(HttpContext context, ScreenshotStore store)
    {
        var body = await ReadBodyAsync(context, ScreenshotStore.MaxBytes).ConfigureAwait(false);
        if (body is null)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, $"a screenshot is at most {ScreenshotStore.MaxBytes} bytes");
        }

        var school = context.User.FindFirst(ApiKeyAuthenticationHandler.SchoolClaim)!.Value;
        try
        {
            var (reference, created) = await store.SaveAsync(body, context.Request.ContentType, school).ConfigureAwait(false);
            return Results.Json(new { @ref = reference, bytes = body.Length },
                statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }
        catch (InvalidScreenshotException ex)
        {
            return Error(ex.StatusCode, ex.Message);
        }
    }

    /// <summary>Reads the whole body, or returns null once it exceeds <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit)
    {
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit + 1L;
        }

        if (context.Request.ContentLength > limit)
        {
            return null;
        }

        // At least one byte: ArrayBufferWriter refuses a capacity of 0, which once made Content-Length: 0 a 500.
        var buffer = new ArrayBufferWriter<byte>((int)Math.Clamp(context.Request.ContentLength ?? 64 * 1024, 1, limit));
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(16 * 1024);
                var read = await context.Request.Body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest back-pressure: queue full ({Backlog}/{Capacity}); batch refused with 503")]
    private static partial void LogQueueFull(ILogger logger, long backlog, long capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Rejected} of {Total} events from school {School}; first: {Field} {Error}")]
    private static partial void LogRejected(ILogger logger, int rejected, int total, string school, string field, string error);
}
