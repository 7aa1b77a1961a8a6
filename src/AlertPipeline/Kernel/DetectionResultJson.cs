using System.Text.Json;
using AlertPipeline.Detection;

namespace AlertPipeline.Kernel;

/// <summary>A detection result as JSON fields: the scan contract, written by <c>scan</c>, <c>keywords test</c> and the model's scoring.</summary>
internal static class DetectionResultJson
{
    /// <summary>The result fields of the scan contract (shared with <c>keywords test</c>).</summary>
    public static void Write(Utf8JsonWriter json, DetectionResult result)
    {
        json.WriteBoolean("flagged", result.Flagged);
        if (result.Severity is { } severity)
        {
            json.WriteString("severity", severity.ToName());
        }
        else
        {
            json.WriteNull("severity");
        }

        json.WriteStartArray("categories");
        foreach (var category in result.Categories)
        {
            json.WriteStringValue(category);
        }

        json.WriteEndArray();
        json.WriteStartArray("matches");
        foreach (var m in result.Matches)
        {
            json.WriteStartObject();
            json.WriteString("term", m.Term);
            json.WriteString("category", m.Category);
            json.WriteString("severity", m.Severity.ToName());
            json.WriteNumber("start", m.Start);
            json.WriteNumber("length", m.Length);
            if (m.Slots.Count > 0)
            {
                // An intent rule: which words filled which slot, so a curator sees why it fired.
                json.WriteStartObject("slots");
                foreach (var slot in m.Slots)
                {
                    json.WriteString(slot.Slot, slot.Words);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
