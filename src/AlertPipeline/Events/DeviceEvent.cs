using AlertPipeline.Detection;

namespace AlertPipeline.Events;

/// <summary>A device event as the pipeline reads it (docs/events.md). The raw JSON, with any unknown fields, travels beside it.</summary>
internal sealed record DeviceEvent(
    string EventId,
    string SchoolId,
    string DeviceId,
    string UserLogin,
    DateTimeOffset OccurredAt,
    SourceKinds Source,
    string Text,
    string? App,
    string? Url,
    string? ScreenshotRef);

/// <summary>The contract's limits, in one place so docs, validation and tests agree.</summary>
internal static class EventLimits
{
    public const int MaxEventIdLength = 128;
    public const int MaxSchoolIdLength = 64;
    public const int MaxDeviceIdLength = 128;
    public const int MaxUserLoginLength = 256;
    public const int MaxTextLength = 16_384;
    public const int MaxAppLength = 256;
    public const int MaxUrlLength = 2_048;
    public const int MaxScreenshotRefLength = 512;
    public const int MaxEventBytes = 64 * 1024;
    public const int MaxBatchEvents = 5_000;
    public const int MaxBatchBytes = 16 * 1024 * 1024;

    /// <summary>The deepest nesting of one event (objects and arrays); deeper items are rejected one by one.</summary>
    public const int MaxDepth = 32;
}

/// <summary>
/// Who an event is: its school, its device and its id. An <c>eventId</c> is unique only per device (agents number
/// their own events), so two schools or two devices may use the same one and neither may suppress the other's
/// event as a "duplicate". Ingest checks a device-bound key's device against the event, so a key can only speak
/// for its own device (or, unbound, for devices of its own school).
/// </summary>
internal readonly record struct EventKey(string SchoolId, string DeviceId, string EventId)
{
    public static EventKey Of(DeviceEvent e) => new(e.SchoolId, e.DeviceId, e.EventId);

    public override string ToString() => $"{SchoolId}/{DeviceId}/{EventId}";
}
