using System.Text.Json;
using AlertPipeline.Events;
using AlertPipeline.Queue;

namespace AlertPipeline.Ingest;

/// <summary>A rejected item of a batch: its position, its id if it had one, and what is wrong.</summary>
internal sealed record ItemError(int Index, string? EventId, string Field, string Error);

/// <summary>A batch split into valid events and errors; <paramref name="Repaired"/> are the indexes whose text was repaired.</summary>
internal sealed record ParsedBatch(IReadOnlyList<QueuedEvent> Valid, IReadOnlyList<int> ValidIndexes, IReadOnlyList<ItemError> Errors, int Total)
{
    public IReadOnlyList<int> Repaired { get; init; } = [];
}

/// <summary>
/// Splits a request body (JSON array, single object or NDJSON) into events, validates each against the contract and
/// the caller's API key, and keeps each valid event's original bytes (so unknown fields survive). Pure.
/// </summary>
internal static class EventBatchReader
{
    /// <summary>The school of a trust-wide key (e.g. a trust's own relay or the simulator): any school of the trust.</summary>
    public const string TrustWideSchool = "*";

    public static ParsedBatch Read(ReadOnlyMemory<byte> body, bool ndjson, string keySchool, string? keyDevice, DateTimeOffset now) =>
        Read(body, ndjson, keySchool, keyDevice, now, OccurredWindow.Default);

    public static ParsedBatch Read(ReadOnlyMemory<byte> body, bool ndjson, string keySchool, string? keyDevice, DateTimeOffset now, OccurredWindow window)
    {
        var valid = new List<QueuedEvent>();
        var validIndexes = new List<int>();
        var errors = new List<ItemError>();
        var repaired = new List<int>();
        var firstIndexOf = new Dictionary<EventKey, int>();
        var total = 0;

        void Item(int index, ReadOnlyMemory<byte> json)
        {
            total++;
            json = JsonTextRepair.Repair(json, out var wasRepaired);
            var parsed = DeviceEventReader.TryRead(json.Span, now, window, out var error);
            if (parsed is null)
            {
                errors.Add(new ItemError(index, DeviceEventReader.PeekEventId(json.Span), error!.Field, error.Error));
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

            // The same event twice in one batch is an agent's bug, and with different text one of the two would be
            // lost without a word: the later one is rejected, naming the earlier.
            if (!firstIndexOf.TryAdd(EventKey.Of(parsed), index))
            {
                errors.Add(new ItemError(index, parsed.EventId, "eventId", $"'{parsed.EventId}' repeats item {firstIndexOf[EventKey.Of(parsed)]} of this batch (same school and device); the earlier one is kept"));
                return;
            }

            if (wasRepaired)
            {
                repaired.Add(index);
            }

            valid.Add(new QueuedEvent(parsed.EventId, parsed.SchoolId, parsed.DeviceId, parsed.UserLogin, json));
            validIndexes.Add(index);
        }

        if (ndjson)
        {
            var rest = body;
            var index = 0;
            while (rest.Length > 0)
            {
                var end = rest.Span.IndexOf((byte)'\n');
                var line = end < 0 ? rest : rest[..end];
                rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
                if (line.Span.Trim(" \t\r"u8).IsEmpty)
                {
                    continue;
                }

                if (total >= EventLimits.MaxBatchEvents)
                {
                    throw new BatchFormatException($"a batch holds at most {EventLimits.MaxBatchEvents} events");
                }

                Item(index++, TrimEnd(line));
            }
        }
        else
        {
            foreach (var (index, element) in ArrayElements(body))
            {
                if (index >= EventLimits.MaxBatchEvents)
                {
                    throw new BatchFormatException($"a batch holds at most {EventLimits.MaxBatchEvents} events");
                }

                Item(index, element);
            }
        }

        return new ParsedBatch(valid, validIndexes, errors, total) { Repaired = repaired };
    }

    /// <summary>The raw bytes of each element of a top-level JSON array (or of a single top-level object).</summary>
    private static List<(int Index, ReadOnlyMemory<byte> Json)> ArrayElements(ReadOnlyMemory<byte> body)
    {
        var result = new List<(int, ReadOnlyMemory<byte>)>();
        try
        {
            // No depth limit while splitting (Skip is iterative, and the reader's depth stack is a bit per level): an
            // item nested too deep is then rejected on its own, at EventLimits.MaxDepth, not its whole batch.
            var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = int.MaxValue });
            if (!reader.Read())
            {
                throw new BatchFormatException("the body is empty");
            }

            if (reader.TokenType == JsonTokenType.StartObject)
            {
                reader.Skip();
                result.Add((0, body[..(int)reader.BytesConsumed]));
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    result.Add((index++, body[start..(int)reader.BytesConsumed]));
                }
            }
            else
            {
                throw new BatchFormatException($"the body must be a JSON array of events, one event object, or NDJSON (was a JSON {reader.TokenType.ToString().ToLowerInvariant()})");
            }

            while (reader.Read())
            {
                // Trailing content after the array is an error the reader reports.
            }
        }
        catch (JsonException ex)
        {
            throw new BatchFormatException($"the body is not valid JSON: {ex.Message}");
        }

        return result;
    }

    private static ReadOnlyMemory<byte> TrimEnd(ReadOnlyMemory<byte> line)
    {
        var length = line.Length;
        while (length > 0 && line.Span[length - 1] is (byte)'\r' or (byte)' ' or (byte)'\t')
        {
            length--;
        }

        return line[..length];
    }
}

internal sealed class BatchFormatException(string message) : Exception(message);
