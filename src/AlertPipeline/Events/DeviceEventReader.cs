using System.Globalization;
using System.Text.Json;
using AlertPipeline.Detection;

namespace AlertPipeline.Events;

/// <summary>One field of one event that breaks the contract.</summary>
internal sealed record FieldError(string Field, string Error);

/// <summary>
/// Reads and validates one device event's JSON against docs/events.md. Pure: the clock's "now" is passed in.
/// Unknown fields are ignored here and kept in the raw JSON, never rejected.
/// </summary>
internal static class DeviceEventReader
{
    public static DeviceEvent? TryRead(ReadOnlySpan<byte> json, DateTimeOffset now, out FieldError? error)
    {
        error = null;
        if (json.Length > EventLimits.MaxEventBytes)
        {
            error = new FieldError("(event)", $"is {json.Length} bytes; the limit is {EventLimits.MaxEventBytes}");
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            error = new FieldError("(event)", $"is not valid JSON: {ex.Message}");
            return null;
        }

        using (document)
        {
            return TryRead(document.RootElement, now, out error);
        }
    }

    public static DeviceEvent? TryRead(JsonElement element, DateTimeOffset now, out FieldError? error)
    {
        error = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = new FieldError("(event)", $"must be a JSON object (was {element.ValueKind.ToString().ToLowerInvariant()})");
            return null;
        }

        var eventId = Required(element, "eventId", EventLimits.MaxEventIdLength, ref error);
        if (eventId is not null && !eventId.All(c => c is >= '!' and <= '~'))
        {
            error ??= new FieldError("eventId", "must be printable ASCII without spaces");
        }

        var schoolId = Required(element, "schoolId", EventLimits.MaxSchoolIdLength, ref error);
        if (schoolId is not null && !schoolId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            error ??= new FieldError("schoolId", "must use only letters, digits, '.', '_' and '-'");
        }

        var deviceId = Required(element, "deviceId", EventLimits.MaxDeviceIdLength, ref error);
        var userLogin = Required(element, "userLogin", EventLimits.MaxUserLoginLength, ref error);
        var occurredText = Required(element, "occurredAt", 64, ref error);
        DateTimeOffset occurredAt = default;
        if (occurredText is not null)
        {
            if (!HasOffset(occurredText) || !DateTimeOffset.TryParse(occurredText, CultureInfo.InvariantCulture, DateTimeStyles.None, out occurredAt))
            {
                error ??= new FieldError("occurredAt", $"'{occurredText}' is not an ISO-8601 date-time with an offset (e.g. 2026-11-22T09:15:00+00:00)");
            }
            else if (occurredAt - now > EventLimits.MaxFutureSkew)
            {
                error ??= new FieldError("occurredAt", $"'{occurredText}' is more than {EventLimits.MaxFutureSkew.TotalMinutes} minutes in the future");
            }
        }

        var sourceText = Required(element, "source", 16, ref error);
        var source = SourceKinds.None;
        if (sourceText is not null && !SourceKindNames.TryParseSingle(sourceText, out source))
        {
            error ??= new FieldError("source", $"'{sourceText}' is not one of {string.Join(", ", SourceKindNames.All)}");
        }

        var text = RequiredAllowEmpty(element, "text", EventLimits.MaxTextLength, ref error);
        var app = Optional(element, "app", EventLimits.MaxAppLength, ref error);
        var url = Optional(element, "url", EventLimits.MaxUrlLength, ref error);
        var screenshotRef = Optional(element, "screenshotRef", EventLimits.MaxScreenshotRefLength, ref error);
        if (error is not null)
        {
            return null;
        }

        return new DeviceEvent(eventId!, schoolId!, deviceId!, userLogin!, occurredAt, source, text!, app, url, screenshotRef);
    }

    /// <summary>Reads just the event id for error reports, without validating anything else.</summary>
    public static string? PeekEventId(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    private static bool HasOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.Ordinal);
        if (t < 0)
        {
            return false;
        }

        var time = text.AsSpan(t);
        return time.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || time.LastIndexOfAny('+', '-') > 0;
    }

    private static string? Required(JsonElement element, string name, int maxLength, ref FieldError? error)
    {
        var value = RequiredAllowEmpty(element, name, maxLength, ref error);
        if (value is { Length: 0 })
        {
            error ??= new FieldError(name, "must not be empty");
            return null;
        }

        return value;
    }

    private static string? RequiredAllowEmpty(JsonElement element, string name, int maxLength, ref FieldError? error)
    {
        if (!element.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            error ??= new FieldError(name, "is required");
            return null;
        }

        return AsString(property, name, maxLength, ref error);
    }

    private static string? Optional(JsonElement element, string name, int maxLength, ref FieldError? error) =>
        element.TryGetProperty(name, out var property) && property.ValueKind != JsonValueKind.Null
            ? AsString(property, name, maxLength, ref error)
            : null;

    private static string? AsString(JsonElement property, string name, int maxLength, ref FieldError? error)
    {
        if (property.ValueKind != JsonValueKind.String)
        {
            error ??= new FieldError(name, $"must be a string (was {property.ValueKind.ToString().ToLowerInvariant()})");
            return null;
        }

        var value = property.GetString()!;
        if (value.Length > maxLength)
        {
            error ??= new FieldError(name, $"is {value.Length} characters; the limit is {maxLength}");
            return null;
        }

        return value;
    }
}
