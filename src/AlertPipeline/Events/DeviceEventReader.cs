using System.Text;
using System.Text.Json;
using AlertPipeline.Detection;

namespace AlertPipeline.Events;

/// <summary>One field of one event that breaks the contract.</summary>
internal sealed record FieldError(string Field, string Error);

/// <summary>How far from the server's time an event's <c>occurredAt</c> may be (<c>Ingest:MaxEventAge</c>, <c>Ingest:MaxFutureSkew</c>).</summary>
internal sealed record OccurredWindow(TimeSpan MaxAge, TimeSpan MaxFutureSkew)
{
    public static readonly OccurredWindow Default = new(TimeSpan.FromDays(30), TimeSpan.FromMinutes(5));
}

/// <summary>
/// Reads and validates one device event's JSON against docs/events.md in a single forward pass (no DOM: ingest
/// and detection both read every event, so this is on the hot path). Pure: "now" is passed in. Unknown fields are
/// skipped here and kept in the raw JSON, never rejected.
/// </summary>
internal static class DeviceEventReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = EventLimits.MaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>
    /// The dates any stage can do arithmetic on. An event outside them (say <c>0001-01-01</c>, which once made the
    /// correlator throw for every batch, for ever) is refused wherever it is read, whatever window ingest uses.
    /// </summary>
    public static readonly DateTimeOffset EarliestOccurredAt = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset LatestOccurredAt = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <param name="now">The server's time, for the window check; <see cref="DateTimeOffset.MaxValue"/> skips it.</param>
    public static DeviceEvent? TryRead(ReadOnlySpan<byte> json, DateTimeOffset now, out FieldError? error) =>
        TryRead(json, now, OccurredWindow.Default, out error);

    /// <param name="now">The server's time, for the window check; <see cref="DateTimeOffset.MaxValue"/> skips it.</param>
    /// <param name="window">How far before and after <paramref name="now"/> <c>occurredAt</c> may be.</param>
    public static DeviceEvent? TryRead(ReadOnlySpan<byte> json, DateTimeOffset now, OccurredWindow window, out FieldError? error)
    {
        error = null;
        if (json.Length > EventLimits.MaxEventBytes)
        {
            error = new FieldError("(event)", $"is {json.Length} bytes; the limit is {EventLimits.MaxEventBytes}");
            return null;
        }

        string? eventId = null, schoolId = null, deviceId = null, userLogin = null, occurredText = null, sourceText = null;
        string? text = null, app = null, url = null, screenshotRef = null;
        var occurredAt = default(DateTimeOffset);
        var occurredParsed = false;
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new FieldError("(event)", $"must be a JSON object (was {Describe(reader.TokenType)})");
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("eventId"u8))
                {
                    eventId = String(ref reader, "eventId", EventLimits.MaxEventIdLength, ref error);
                }
                else if (name.SequenceEqual("schoolId"u8))
                {
                    schoolId = String(ref reader, "schoolId", EventLimits.MaxSchoolIdLength, ref error);
                }
                else if (name.SequenceEqual("deviceId"u8))
                {
                    deviceId = String(ref reader, "deviceId", EventLimits.MaxDeviceIdLength, ref error);
                }
                else if (name.SequenceEqual("userLogin"u8))
                {
                    userLogin = String(ref reader, "userLogin", EventLimits.MaxUserLoginLength, ref error);
                }
                else if (name.SequenceEqual("occurredAt"u8))
                {
                    occurredParsed = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out occurredAt);
                    occurredText = String(ref reader, "occurredAt", 64, ref error);
                }
                else if (name.SequenceEqual("source"u8))
                {
                    sourceText = String(ref reader, "source", 16, ref error);
                }
                else if (name.SequenceEqual("text"u8))
                {
                    text = String(ref reader, "text", EventLimits.MaxTextLength, ref error);
                }
                else if (name.SequenceEqual("app"u8))
                {
                    app = String(ref reader, "app", EventLimits.MaxAppLength, ref error);
                }
                else if (name.SequenceEqual("url"u8))
                {
                    url = String(ref reader, "url", EventLimits.MaxUrlLength, ref error);
                }
                else if (name.SequenceEqual("screenshotRef"u8))
                {
                    screenshotRef = String(ref reader, "screenshotRef", EventLimits.MaxScreenshotRefLength, ref error);
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                error = new FieldError("(event)", "is not a complete JSON object");
                return null;
            }

            // One event is one value: "{...} {...}" on an NDJSON line was read as its first object, the second lost.
            if (HasMore(ref reader))
            {
                error = new FieldError("(event)", "has content after the event object (one event per NDJSON line)");
                return null;
            }
        }
        catch (JsonException ex)
        {
            error = new FieldError("(event)", $"is not valid JSON: {ex.Message}");
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // Text System.Text.Json will not turn into a string (ingest repairs what it can first; see JsonTextRepair).
            error = new FieldError("(event)", $"has text that is not valid UTF-8 or UTF-16: {ex.Message}");
            return null;
        }

        Require(eventId, "eventId", ref error);
        if (eventId is { Length: > 0 } && !IsPrintableAscii(eventId))
        {
            error ??= new FieldError("eventId", "must be printable ASCII without spaces");
        }

        Require(schoolId, "schoolId", ref error);
        if (schoolId is { Length: > 0 } && !IsIdentifier(schoolId))
        {
            error ??= new FieldError("schoolId", "must use only letters, digits, '.', '_' and '-'");
        }

        Require(deviceId, "deviceId", ref error);
        Require(userLogin, "userLogin", ref error);
        Require(occurredText, "occurredAt", ref error);
        if (occurredText is { Length: > 0 })
        {
            if (!occurredParsed || !HasOffset(occurredText))
            {
                error ??= new FieldError("occurredAt", $"'{occurredText}' is not an ISO-8601 date-time with an offset (e.g. 2026-11-22T09:15:00+00:00)");
            }
            else if (occurredAt < EarliestOccurredAt || occurredAt >= LatestOccurredAt)
            {
                error ??= new FieldError("occurredAt", $"'{occurredText}' is outside the supported range {EarliestOccurredAt:yyyy-MM-dd} to {LatestOccurredAt:yyyy-MM-dd}");
            }
            else if (now != DateTimeOffset.MaxValue && occurredAt - now > window.MaxFutureSkew)
            {
                error ??= new FieldError("occurredAt", $"'{occurredText}' is more than {window.MaxFutureSkew} in the future (server time {now:O}); check the device's clock");
            }
            else if (now != DateTimeOffset.MaxValue && now - occurredAt > window.MaxAge)
            {
                error ??= new FieldError("occurredAt", $"'{occurredText}' is more than {window.MaxAge} in the past (server time {now:O}; Ingest:MaxEventAge); check the device's clock");
            }
        }

        Require(sourceText, "source", ref error);
        var source = SourceKinds.None;
        if (sourceText is { Length: > 0 } && !SourceKindNames.TryParseSingle(sourceText, out source))
        {
            error ??= new FieldError("source", $"'{sourceText}' is not one of {string.Join(", ", SourceKindNames.All)}");
        }

        if (text is null)
        {
            error ??= new FieldError("text", "is required");
        }

        return error is null
            ? new DeviceEvent(eventId!, schoolId!, deviceId!, userLogin!, occurredAt, source, text!, app, url, screenshotRef)
            : null;
    }

    private static bool HasMore(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.Read();
        }
        catch (JsonException)
        {
            return true; // A second value after the first: the reader refuses it as such.
        }
    }

    /// <summary>Reads just the event id of an event's JSON, for error reports, without validating anything else.</summary>
    public static string? PeekEventId(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("eventId"u8);
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // No id to report.
        }

        return null;
    }

    private static void Require(string? value, string name, ref FieldError? error)
    {
        if (value is null)
        {
            error ??= new FieldError(name, "is required");
        }
        else if (value.Length == 0)
        {
            error ??= new FieldError(name, "must not be empty");
        }
    }

    /// <summary>Reads a string value; null JSON counts as absent; other types and over-long strings are errors.</summary>
    private static string? String(ref Utf8JsonReader reader, string name, int maxLength, ref FieldError? error)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                var value = reader.GetString()!;
                if (value.Length > maxLength)
                {
                    error ??= new FieldError(name, $"is {value.Length} characters; the limit is {maxLength}");
                    return null;
                }

                return value;
            default:
                error ??= new FieldError(name, $"must be a string (was {Describe(reader.TokenType)})");
                reader.Skip();
                return string.Empty; // Present but wrong: not reported again as "required".
        }
    }

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

    private static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsIdentifier(string value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => "nothing",
    };

    internal static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
