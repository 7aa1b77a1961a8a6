using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Events;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Notifications;
using AlertPipeline.Schools;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Checks;

/// <summary>A step of a running check, for the command's progress lines and the console.</summary>
internal sealed record CheckProgress(string Category, string Stage, string Detail);

/// <summary>A check that cannot start (no test pupil, unknown school): said to the caller, not recorded as a failure of monitoring.</summary>
internal sealed class CheckNotPossibleException(string message) : Exception(message);

/// <summary>
/// The end-to-end monitoring check, one code path for the command, the console and the schedule: per monitoring
/// category one synthetic event of the school's designated test pupil, posted over real HTTP to real ingest with a
/// temporary device key, judged by real detection, stored as a test alert and told to the test recipient by the
/// real outbox. It records, per category, whether the alert was stored and the test notification delivered and how
/// long each took; a check that fails raises a system alert. See docs/decisions/0019-checks-monitoring-check.md.
/// </summary>
internal sealed partial class MonitoringCheckRunner(
    DetectorHolder detectors,
    IAlertStore alerts,
    NotificationOutbox outbox,
    ApiKeyStore keys,
    CheckLog log,
    SystemAlerts systemAlerts,
    SchoolDirectory schools,
    TestPupils testPupils,
    IHttpClientFactory http,
    IServiceProvider services,
    IOptionsMonitor<MonitoringCheckOptions> options,
    TimeProvider clock,
    ILogger<MonitoringCheckRunner> logger)
{
    /// <summary>The device the check's events come from; its key exists only while a check runs.</summary>
    public const string Device = "alertpipeline-check";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs a check of <paramref name="schoolId"/> and records it; <paramref name="by"/> is who or what started it.</summary>
    public async Task<CheckEntry> RunAsync(string schoolId, string by, Func<CheckProgress, Task>? progress, CancellationToken cancellationToken)
    {
        progress ??= _ => Task.CompletedTask;
        if (!schools.IsConfigured(schoolId))
        {
            throw new CheckNotPossibleException($"'{schoolId}' is not a school of this trust (configured: {string.Join(", ", schools.Configured.Select(s => s.SchoolId).Order(StringComparer.Ordinal))})");
        }

        if (testPupils.For(schoolId) is not { } school)
        {
            throw new CheckNotPossibleException(
                $"no test pupil is configured for '{schoolId}': set {MonitoringCheckOptions.Section}:Schools:{schoolId}:TestPupil and TestRecipient (a login that is no real child, and the mailbox test alerts go to)");
        }

        var started = clock.GetUtcNow();
        var run = started.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];
        var probes = Probes(detectors.Current);
        var steps = probes.ToDictionary(p => p.Category, p => new StepState(p.Category, $"check-{run}-{p.Category}", p.Text), StringComparer.Ordinal);
        foreach (var missing in detectors.Current.Set.Categories.Where(c => !steps.ContainsKey(c)))
        {
            steps[missing] = new StepState(missing, $"check-{run}-{missing}", null) { Detail = "no list entry of this category flags it on its own as plain text, so no test event could be made" };
        }

        await progress(new CheckProgress("", "start", string.Create(CultureInfo.InvariantCulture,
            $"{schools.For(schoolId).Name}: {steps.Count} categories, test pupil {school.TestPupil}, test notifications to {school.TestRecipient}"))).ConfigureAwait(false);

        var (secret, key) = keys.Create(schoolId, Device, $"monitoring check {run} (temporary)");
        try
        {
            var sentAt = await SendAsync(schoolId, school.TestPupil, secret, steps.Values.Where(s => s.Text is not null).ToList(), progress, cancellationToken).ConfigureAwait(false);
            if (sentAt is not null)
            {
                await WatchAsync(schoolId, steps.Values.Where(s => s.Text is not null && s.Detail.Length == 0).ToList(), sentAt.Value, progress, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            keys.Revoke(key.KeyId);
        }

        var took = clock.GetUtcNow() - started;
        var ordered = steps.Values.OrderBy(s => s.Category, StringComparer.Ordinal).Select(s => s.ToStep()).ToList();
        var failed = ordered.Where(s => !s.Passed).ToList();
        var result = failed.Count == 0 ? CheckResults.Passed : CheckResults.Failed;
        var action = failed.Count == 0
            ? "none needed"
            : "system alert raised to the DSL and the trust DSL";
        var entry = new CheckEntry(0, schoolId, started, by, CheckKinds.Automatic,
            string.Create(CultureInfo.InvariantCulture, $"end-to-end monitoring check: one test event per category ({ordered.Count}) through ingest, detection, the alert store and the outbox"),
            result, action, took) { Steps = ordered };
        var id = log.Record(entry);
        entry = entry with { Id = id };
        if (failed.Count > 0)
        {
            var detail = string.Create(CultureInfo.InvariantCulture,
                $"monitoring check {id} at {schools.For(schoolId).Name} failed for {failed.Count} of {ordered.Count} categories: ") +
                string.Join("; ", failed.Take(5).Select(f => $"{f.Category}: {f.Detail}")) + (failed.Count > 5 ? "; …" : "");
            systemAlerts.MonitoringCheckFailed(schoolId, id, detail);
            LogFailed(schoolId, id, detail);
        }

        await progress(new CheckProgress("", "done", string.Create(CultureInfo.InvariantCulture,
            $"check {id} {result}: {ordered.Count - failed.Count} of {ordered.Count} categories stored and notified in {took.TotalSeconds:0.0} s"))).ConfigureAwait(false);
        return entry;
    }

    /// <summary>
    /// Per category, a text that the lists in force flag in that category on its own: the first plain word or phrase
    /// entry (most severe first) that the detector itself confirms. Chosen from the live lists, so a category whose
    /// list was emptied or broken is found out, not papered over by a fixed sample.
    /// </summary>
    internal static IReadOnlyList<(string Category, string Text)> Probes(Detector detector)
    {
        var probes = new List<(string, string)>();
        foreach (var category in detector.Set.Categories.Order(StringComparer.Ordinal))
        {
            foreach (var entry in detector.Set.Entries
                         .Where(e => e.Category == category && e.Kind is MatchKind.Word or MatchKind.Phrase && e.Requires is null && e.Unless is null)
                         .OrderByDescending(e => e.Severity).ThenBy(e => e.Term, StringComparer.Ordinal))
            {
                if (detector.TryScan(entry.Term, SourceKinds.Typed, out var result) && result.Flagged && result.Categories.Contains(category))
                {
                    probes.Add((category, entry.Term));
                    break;
                }
            }
        }

        return probes;
    }

    /// <summary>Posts every test event in one batch; returns when it was accepted, or null (each step then says why).</summary>
    private async Task<DateTimeOffset?> SendAsync(string schoolId, string pupil, string secret, List<StepState> steps, Func<CheckProgress, Task> progress, CancellationToken cancellationToken)
    {
        var url = IngestBase();
        if (url is null)
        {
            Fail(steps, $"nowhere to send: this process does not serve ingest; set {MonitoringCheckOptions.Section}:IngestUrl to the ingest host");
            return null;
        }

        var now = clock.GetUtcNow();
        var body = new StringBuilder();
        foreach (var step in steps)
        {
            body.AppendLine(JsonSerializer.Serialize(new
            {
                eventId = step.EventId,
                schoolId,
                deviceId = Device,
                userLogin = pupil,
                occurredAt = now.ToString("O", CultureInfo.InvariantCulture),
                source = "typed",
                text = step.Text,
            }));
        }

        using var client = http.CreateClient(nameof(MonitoringCheckRunner));
        client.Timeout = options.CurrentValue.Timeout;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "api/v1/events"))
        {
            Content = new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", secret);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Fail(steps, $"ingest at {url} could not be reached: {ex.Message}");
            return null;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is not (202 or 207 or 200))
            {
                Fail(steps, $"ingest at {url} answered {(int)response.StatusCode}: {Truncate(text)}");
                return null;
            }

            // A 207 names the refused items by index (docs/events.md): those categories fail with ingest's reason.
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("errors", out var errors))
            {
                foreach (var error in errors.EnumerateArray())
                {
                    if (error.TryGetProperty("index", out var index) && index.GetInt32() < steps.Count)
                    {
                        steps[index.GetInt32()].Detail = $"ingest refused the event: {error.GetProperty("field").GetString()} {error.GetProperty("error").GetString()}";
                    }
                }
            }
        }

        var accepted = clock.GetUtcNow();
        await progress(new CheckProgress("", "sent", string.Create(CultureInfo.InvariantCulture,
            $"{steps.Count(s => s.Detail.Length == 0)} test events accepted by ingest at {url} in {(accepted - now).TotalMilliseconds:0} ms"))).ConfigureAwait(false);
        return now;
    }

    private async Task WatchAsync(string schoolId, List<StepState> steps, DateTimeOffset sentAt, Func<CheckProgress, Task> progress, CancellationToken cancellationToken)
    {
        var deadline = sentAt + options.CurrentValue.Timeout;
        while (steps.Any(s => !s.Done))
        {
            foreach (var step in steps.Where(s => !s.Done))
            {
                if (step.AlertId is null && alerts.OfEvent(new EventKey(schoolId, Device, step.EventId)) is { } alert)
                {
                    step.AlertId = alert.AlertId;
                    step.StoredAfter = alert.CreatedAt - sentAt;
                    step.MarkedTest = alert.IsTest;
                    if (!alert.IsTest)
                    {
                        step.Detail = "the alert was stored but not marked as a test: the test pupil setting did not reach detection";
                    }

                    await progress(new CheckProgress(step.Category, "stored", string.Create(CultureInfo.InvariantCulture, $"alert stored after {step.StoredAfter.Value.TotalSeconds:0.00} s"))).ConfigureAwait(false);
                }

                // Written with the alert in one transaction (the transactional outbox), so it is there once the alert is.
                step.NotificationId ??= step.AlertId is { } stored ? outbox.List(stored).FirstOrDefault(r => r.Kind == NotificationKinds.Test)?.NotificationId : null;
                if (step.NotificationId is { } nid && outbox.SentAt(nid) is { } sent)
                {
                    step.NotifiedAfter = sent - sentAt;
                    await progress(new CheckProgress(step.Category, "notified", string.Create(CultureInfo.InvariantCulture, $"test notification delivered after {step.NotifiedAfter.Value.TotalSeconds:0.00} s"))).ConfigureAwait(false);
                }
                else if (step.AlertId is { } id && outbox.List(id).FirstOrDefault(r => r.Kind == NotificationKinds.Test && r.Status == NotificationOutbox.Failed) is { } given)
                {
                    // Failed for good (the server refused the address): no point waiting out the timeout.
                    step.Detail = $"the alert was stored but its test notification failed for good: {given.LastError}";
                    await progress(new CheckProgress(step.Category, "failed", step.Detail)).ConfigureAwait(false);
                }
            }

            if (clock.GetUtcNow() >= deadline)
            {
                foreach (var step in steps.Where(s => !s.Done))
                {
                    step.Detail = step.AlertId is null
                        ? string.Create(CultureInfo.InvariantCulture, $"no alert was stored within {options.CurrentValue.Timeout.TotalSeconds:0} s (detection stopped, or the lists no longer flag '{step.Text}')")
                        : string.Create(CultureInfo.InvariantCulture, $"the alert was stored but its test notification was not delivered within {options.CurrentValue.Timeout.TotalSeconds:0} s ({OutboxState(step.AlertId)})");
                    await progress(new CheckProgress(step.Category, "failed", step.Detail)).ConfigureAwait(false);
                }

                break;
            }

            await Task.Delay(Poll, clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private string OutboxState(string alertId) =>
        outbox.List(alertId).FirstOrDefault(r => r.Kind == NotificationKinds.Test) is { } row
            ? $"outbox: {row.Status} after {row.Attempts} attempt(s){(row.LastError is null ? "" : ", last error: " + row.LastError)}"
            : "no test notification was planned: is TestRecipient set?";

    /// <summary>The ingest address: the configured one, or this host's own (a wildcard bind reached on loopback).</summary>
    private Uri? IngestBase()
    {
        if (options.CurrentValue.IngestUrl is { Length: > 0 } configured)
        {
            return new Uri(configured.TrimEnd('/') + "/");
        }

        var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return null;
        }

        address = address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal);
        return Uri.TryCreate(address.TrimEnd('/') + "/", UriKind.Absolute, out var uri) ? uri : null;
    }

    private static void Fail(IEnumerable<StepState> steps, string why)
    {
        foreach (var step in steps.Where(s => s.Detail.Length == 0))
        {
            step.Detail = why;
        }
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private sealed class StepState(string category, string eventId, string? text)
    {
        public string Category { get; } = category;

        public string EventId { get; } = eventId;

        public string? Text { get; } = text;

        public string? AlertId { get; set; }

        public string? NotificationId { get; set; }

        public TimeSpan? StoredAfter { get; set; }

        public TimeSpan? NotifiedAfter { get; set; }

        /// <summary>Empty while all is well; otherwise why this category failed.</summary>
        public string Detail { get; set; } = string.Empty;

        public bool Done => Detail.Length > 0 || NotifiedAfter is not null;

        public bool MarkedTest { get; set; }

        private bool Stored => AlertId is not null && MarkedTest;

        public CheckStep ToStep() => new(Category, EventId, AlertId, Stored, StoredAfter, Stored && NotifiedAfter is not null, NotifiedAfter, Detail.Length == 0 ? "ok" : Detail);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SYSTEM ALERT: monitoring check of {School} failed (check {CheckId}): {Detail}")]
    private partial void LogFailed(string school, long checkId, string detail);
}
