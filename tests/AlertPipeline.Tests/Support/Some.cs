using System.Globalization;
using System.Text.Json.Nodes;

namespace AlertPipeline.Tests.Support;

/// <summary>Test data: valid device events with unique ids, each field overridable.</summary>
internal static class Some
{
    private static int _sequence;

    public static string EventId() => "t-" + Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];

    public static JsonObject Event(
        string? text = null,
        string school = "oakfield",
        string source = "search",
        string? eventId = null,
        string userLogin = "oak.y9.jsmith",
        string deviceId = "OAK-LT-0042",
        DateTimeOffset? occurredAt = null) => new()
    {
        ["eventId"] = eventId ?? EventId(),
        ["schoolId"] = school,
        ["deviceId"] = deviceId,
        ["userLogin"] = userLogin,
        ["occurredAt"] = (occurredAt ?? DateTimeOffset.UtcNow.AddMinutes(-1)).ToString("O", CultureInfo.InvariantCulture),
        ["source"] = source,
        ["text"] = text ?? "photosynthesis diagram",
    };

    public static JsonObject ConcerningEvent(string school = "oakfield") => Event("i want to die", school);
}
