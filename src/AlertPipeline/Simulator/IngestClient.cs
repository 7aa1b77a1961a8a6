using System.Net;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Simulator;

/// <summary>
/// Sends batches to the ingest API (docs/events.md) as NDJSON, uploading each screenshot first and
/// setting the event's <c>screenshotRef</c>. Retries transient failures with capped exponential back-off,
/// honouring Retry-After on 503, which is safe because ingest is idempotent by eventId. A batch that
/// still fails is reported in the result and logged, never dropped silently.
/// </summary>
internal sealed partial class IngestClient : IEventSink
{
    /// <summary>The IHttpClientFactory name of the client AddSimulator configures.</summary>
    public const string HttpClientName = "AlertPipeline.Simulator.Ingest";

    public const string EventsPath = "api/v1/events";
    public const string ScreenshotsPath = "api/v1/screenshots";

    /// <summary>A server asking for a longer pause than this is treated as broken rather than obeyed indefinitely.</summary>
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    private static readonly MediaTypeHeaderValue Ndjson = new("application/x-ndjson");
    private static readonly MediaTypeHeaderValue Png = new("image/png");
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>
    /// The default encoder escapes '+', '&lt;' and '\'' for HTML safety; this body never reaches a page, and
    /// unescaped text ("+00:00", "q=a+b") keeps captured requests readable.
    /// </summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http;
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<IngestClient> _logger;

    public IngestClient(HttpClient http, IOptions<SimulatorOptions> options, TimeProvider time, ILogger<IngestClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public async Task<BatchResult> SendAsync(EventBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var key = _options.ApiKeyFor(batch.SchoolId)
            ?? throw new InvalidOperationException($"No API key configured for school '{batch.SchoolId}'.");

        var (uploaded, screenshotFailures) = await UploadScreenshotsAsync(batch, key, cancellationToken).ConfigureAwait(false);

        var body = Serialize(batch.Events);
        var reply = await SendWithRetriesAsync(
            () => new HttpRequestMessage(HttpMethod.Post, EventsPath) { Content = Content(body, Ndjson) },
            key, "events", cancellationToken).ConfigureAwait(false);

        var result = Interpret(batch, reply) with { ScreenshotsUploaded = uploaded, ScreenshotFailures = screenshotFailures };
        switch (result.Outcome)
        {
            case BatchOutcome.Delivered when result.Rejected > 0:
                LogItemsRejected(batch.SchoolId, result.Rejected, batch.Events.Count, result.Errors is [var first, ..] ? first.Error : null);
                break;
            case BatchOutcome.Rejected:
                LogBatchRejected(batch.SchoolId, batch.Events.Count, result.Failure);
                break;
            case BatchOutcome.Failed:
                LogBatchFailed(batch.SchoolId, batch.Events.Count, batch.Events[0].EventId, result.Attempts, result.Failure);
                break;
        }

        return result;
    }

    /// <summary>
    /// Uploads the screenshots the batch still lacks a reference for. A failed upload costs the event its
    /// picture, not the event: the alert matters more than the image.
    /// </summary>
    private async Task<(int Uploaded, int Failed)> UploadScreenshotsAsync(EventBatch batch, string key, CancellationToken cancellationToken)
    {
        int uploaded = 0, failed = 0;
        foreach (var item in batch.Events)
        {
            if (item.Screenshot is not { } png || item.Event.ContainsKey("screenshotRef"))
            {
                continue;
            }

            var reply = await SendWithRetriesAsync(
                () => new HttpRequestMessage(HttpMethod.Post, ScreenshotsPath) { Content = Content(png, Png) },
                key, "screenshot", cancellationToken).ConfigureAwait(false);
            var reference = reply.IsSuccess ? ReadString(reply.Body, "ref") : null;
            if (reference is null)
            {
                failed++;
                LogScreenshotFailed(item.EventId, reply.Failure ?? $"no ref in HTTP {reply.StatusCode} answer");
                continue;
            }

            item.Event["screenshotRef"] = reference;
            uploaded++;
        }

        return (uploaded, failed);
    }

    private async Task<Reply> SendWithRetriesAsync(Func<HttpRequestMessage> makeRequest, string key, string what, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            int? status = null;
            try
            {
                using var request = makeRequest();
                request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode || !IsTransient(response.StatusCode))
                {
                    return new Reply(status, body, attempt, response.IsSuccessStatusCode ? null : Describe(status.Value, body));
                }

                retryAfter = RetryAfter(response);
                failure = Describe(status.Value, body);
            }
            catch (HttpRequestException ex)
            {
                failure = ex.Message;
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // HttpClient.Timeout surfaces as a cancellation nobody asked for.
                failure = "timed out: " + ex.Message;
            }

            if (attempt >= _options.MaxAttempts)
            {
                return new Reply(status, null, attempt, $"gave up after {attempt} attempts: {failure}");
            }

            var delay = retryAfter ?? Backoff(attempt);
            LogRetrying(what, attempt, failure, delay);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// 408, 429, 5xx and network errors can pass; other 4xx answers will not change on a retry
    /// (a bad key stays bad), so retrying them only delays the report.
    /// </summary>
    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>Exponential from InitialBackoff, capped at MaxBackoff, with jitter so parallel senders spread out.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var exponential = _options.InitialBackoff * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = exponential < _options.MaxBackoff ? exponential : _options.MaxBackoff;
#pragma warning disable CA5394 // Jitter needs no unpredictability, only spread.
        return capped * (0.5 + (Random.Shared.NextDouble() / 2));
#pragma warning restore CA5394
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is not { } value)
        {
            return null;
        }

        return value < TimeSpan.Zero ? TimeSpan.Zero : value > MaxRetryAfter ? MaxRetryAfter : value;
    }

    private static BatchResult Interpret(EventBatch batch, Reply reply)
    {
        var count = batch.Events.Count;
        if (reply.StatusCode is not { } status || reply.Body is null || (!reply.IsSuccess && status != 400))
        {
            return new BatchResult(BatchOutcome.Failed, count, 0, 0, 0, [], reply.Attempts, reply.StatusCode, reply.Failure);
        }

        var summary = ReadSummary(reply.Body);
        if (status == 400)
        {
            return new BatchResult(BatchOutcome.Rejected, count, 0, 0, count, summary.Errors, reply.Attempts, status,
                reply.Failure);
        }

        // A 2xx without the documented body still means the server took the whole batch.
        var accepted = summary.Accepted ?? count - summary.Errors.Count;
        return new BatchResult(BatchOutcome.Delivered, count, accepted, summary.Duplicates ?? 0,
            summary.Rejected ?? summary.Errors.Count, summary.Errors, reply.Attempts, status, null);
    }

    private static Summary ReadSummary(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new Summary(null, null, null, []);
            }

            var errors = new List<ItemError>();
            if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in list.EnumerateArray())
                {
                    errors.Add(new ItemError(
                        Int(e, "index") ?? -1, Str(e, "eventId"), Str(e, "field"), Str(e, "error") ?? "(no message)"));
                }
            }

            return new Summary(Int(root, "accepted"), Int(root, "duplicates"), Int(root, "rejected"), errors);
        }
        catch (JsonException)
        {
            return new Summary(null, null, null, []);
        }

        static int? Int(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : null;

        static string? Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    private static string? ReadString(string? body, string name)
    {
        if (string.IsNullOrEmpty(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(int status, string body)
    {
        var error = ReadString(body, "error");
        return error is null ? $"HTTP {status}" : $"HTTP {status}: {error}";
    }

    private static byte[] Serialize(IReadOnlyList<SimulatedEvent> events)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            foreach (var item in events)
            {
                item.Event.WriteTo(writer);
                writer.Flush();
                buffer.Write(NewLine);
                writer.Reset();
            }
        }

        return buffer.ToArray();
    }

    private static ByteArrayContent Content(byte[] bytes, MediaTypeHeaderValue type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = type;
        return content;
    }

    private sealed record Reply(int? StatusCode, string? Body, int Attempts, string? Failure)
    {
        public bool IsSuccess => StatusCode is >= 200 and < 300 && Failure is null;
    }

    private sealed record Summary(int? Accepted, int? Duplicates, int? Rejected, IReadOnlyList<ItemError> Errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest {What} attempt {Attempt} failed ({Failure}); retrying in {Delay}")]
    private partial void LogRetrying(string what, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch for {SchoolId} of {Count} events starting {FirstEventId} not delivered after {Attempts} attempts: {Failure}")]
    private partial void LogBatchFailed(string schoolId, int count, string firstEventId, int attempts, string? failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "Batch for {SchoolId}: all {Count} events rejected: {Failure}")]
    private partial void LogBatchRejected(string schoolId, int count, string? failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch for {SchoolId}: {Rejected} of {Count} events rejected, first: {FirstError}")]
    private partial void LogItemsRejected(string schoolId, int rejected, int count, string? firstError);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Screenshot for {EventId} not uploaded, sending the event without it: {Failure}")]
    private partial void LogScreenshotFailed(string eventId, string failure);
}
