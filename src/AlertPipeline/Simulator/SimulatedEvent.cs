using System.Text.Json.Nodes;

namespace AlertPipeline.Simulator;

/// <summary>
/// One generated device event and what the simulator knows about it that the server must work out for
/// itself: whether it should raise an alert and in which category. Only <see cref="Event"/> is sent.
/// </summary>
internal sealed class SimulatedEvent
{
    public SimulatedEvent(JsonObject @event, string? expectedCategory, byte[]? screenshot)
    {
        Event = @event;
        ExpectedCategory = expectedCategory;
        Screenshot = screenshot;
    }

    /// <summary>The wire object (docs/events.md). The ingest client adds <c>screenshotRef</c> after uploading.</summary>
    public JsonObject Event { get; }

    public bool Concerning => ExpectedCategory is not null;

    /// <summary>The keyword category that should flag this event (a list id such as <c>suicide</c>), or null for benign activity.</summary>
    public string? ExpectedCategory { get; }

    /// <summary>A PNG of the pupil's screen, rendered for concerning events only.</summary>
    public byte[]? Screenshot { get; }

    public string EventId => (string)Event["eventId"]!;

    public string SchoolId => (string)Event["schoolId"]!;

    /// <summary>The event's identity as the pipeline keys it (school, device, id).</summary>
    public Events.EventKey Key => new(SchoolId, (string)Event["deviceId"]!, EventId);

    public string Source => (string)Event["source"]!;

    public string Text => (string)Event["text"]!;
}

/// <summary>Events for one school, sent in one request: a school's API key accepts only its own school's events.</summary>
internal sealed record EventBatch(string SchoolId, IReadOnlyList<SimulatedEvent> Events);
