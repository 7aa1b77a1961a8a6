using System.Runtime.InteropServices;
using System.Text.Json;
using AlertPipeline.Events;
using AlertPipeline.Queue;

namespace AlertPipeline.Ingest;

/// <summary>A rejected item of a batch: its position, its id if it had one, and what is wrong.</summary>
internal sealed record ItemError(int Index, string? EventId, string Field, string Error);

internal sealed record ParsedBatch(IReadOnlyList<QueuedEvent> Valid, IReadOnlyList<int> ValidIndexes, IReadOnlyList<ItemError> Errors, int Total);

/// <summary>
/// Splits a request body (JSON array, single object or NDJSON) into events, validates each against the contract and
/// the caller's API key, and keeps each valid event's original bytes (so unknown fields survive). Pure.
/// </summary>
internal static class EventBatchReader
{
    /// <summary>The school of a trust-wide key (e.g. a trust's own relay or the simulator): any school of the trust.</summary>
    public const string TrustWideSchool = "*";

    public static ParsedBatch Read(ReadOnlyMemory<byte> body, bool ndjson, string keySchool, string? keyDevice, DateTimeOffset now)
    {
        var valid = new List<QueuedEvent>();
        var validIndexes = new List<int>();
        var errors = new List<ItemError>();
        var total = 0;

        void Item(int index, JsonElement element)
        {
            total++;
            var parsed = DeviceEventReader.TryRead(element, now, out var error);
            if (parsed is null)
            {
                errors.Add(new ItemError(index, DeviceEventReader.PeekEventId(element), error!.Field, error.Error));
                return;
            }

            if (keySchool != TrustWideSchool && !string.Equals(parsed.SchoolId, keySchool, StringComparison.Ordinal))
            {
                errors.Add(new ItemError(index, parsed.EventId, "schoolId", $"'{parsed.SchoolId}' is not the school of this API key"));
                return;
            }

            if (keyDevice is not null && !string.Equals(parsed.DeviceId, keyDevice, StringComparison.Ordinal))
            {
                errors.Add(new ItemError(index, parsed.EventId, "deviceId", $"'{parsed.DeviceId}' is not the device of this API key"));
                return;
            }

            valid.Add(new QueuedEvent(parsed.EventId, parsed.SchoolId, parsed.UserLogin, JsonMarshal.GetRawUtf8Value(element).ToArray()));
            validIndexes.Add(index);
        }

        if (ndjson)
        {
            var span = body.Span;
            var index = 0;
            while (span.Length > 0)
            {
                var end = span.IndexOf((byte)'\n');
                var line = end < 0 ? span : span[..end];
                span = end < 0 ? [] : span[(end + 1)..];
                if (line.Trim(" \t\r"u8).IsEmpty)
                {
                    continue;
                }

                if (total >= EventLimits.MaxBatchEvents)
                {
                    throw new BatchFormatException($"a batch holds at most {EventLimits.MaxBatchEvents} events");
                }

                try
                {
                    using var document = JsonDocument.Parse(line.ToArray());
                    Item(index, document.RootElement);
                }
                catch (JsonException ex)
                {
                    total++;
                    errors.Add(new ItemError(index, null, "(event)", $"line {index + 1} is not valid JSON: {ex.Message}"));
                }

                index++;
            }
        }
        else
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException ex)
            {
                throw new BatchFormatException($"the body is not valid JSON: {ex.Message}");
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    Item(0, root);
                }
                else if (root.ValueKind == JsonValueKind.Array)
                {
                    if (root.GetArrayLength() > EventLimits.MaxBatchEvents)
                    {
                        throw new BatchFormatException($"a batch holds at most {EventLimits.MaxBatchEvents} events (this one has {root.GetArrayLength()})");
                    }

                    var index = 0;
                    foreach (var element in root.EnumerateArray())
                    {
                        Item(index++, element);
                    }
                }
                else
                {
                    throw new BatchFormatException($"the body must be a JSON array of events, one event object, or NDJSON (was a JSON {root.ValueKind.ToString().ToLowerInvariant()})");
                }
            }
        }

        return new ParsedBatch(valid, validIndexes, errors, total);
    }
}

internal sealed class BatchFormatException(string message) : Exception(message);
