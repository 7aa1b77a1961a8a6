using System.Globalization;
using System.Text.Json.Nodes;
using AlertPipeline.Detection;
using AlertPipeline.Schools;

namespace AlertPipeline.Notifications;

/// <summary>
/// Renders a <see cref="NotificationMessage"/> for a webhook: a generic JSON document (for an SMS gateway or any
/// automation), a Teams MessageCard, or a Slack message with a text fallback and blocks.
/// </summary>
internal static class WebhookPayloads
{
    public static string Render(string channel, NotificationMessage message) => channel switch
    {
        WebhookFormats.Teams => Teams(message).ToJsonString(),
        WebhookFormats.Slack => Slack(message).ToJsonString(),
        WebhookFormats.Json => Json(message).ToJsonString(),
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "not a webhook channel"),
    };

    public static JsonObject Json(NotificationMessage m) => new()
    {
        ["notificationId"] = m.NotificationId,
        ["kind"] = m.Kind,
        ["alertId"] = m.AlertId,
        ["schoolId"] = m.SchoolId,
        ["school"] = m.SchoolName,
        ["severity"] = m.Severity?.ToName(),
        ["categories"] = new JsonArray(m.Categories.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
        ["occurredAt"] = m.OccurredAt?.ToString("O", CultureInfo.InvariantCulture),
        ["title"] = m.Title,
        ["text"] = m.ToText(),
        ["link"] = m.Link,
    };

    /// <summary>An Office 365 connector MessageCard: title, coloured by severity, the facts, and an "open" button.</summary>
    public static JsonObject Teams(NotificationMessage m) => new()
    {
        ["@type"] = "MessageCard",
        ["@context"] = "https://schema.org/extensions",
        ["summary"] = m.Title,
        ["themeColor"] = Colour(m.Severity),
        ["title"] = m.Title,
        ["text"] = m.Headline,
        ["sections"] = new JsonArray(new JsonObject
        {
            ["facts"] = new JsonArray(m.Facts.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["value"] = f.Value }).ToArray()),
            ["text"] = m.Lines.Count > 0 ? string.Join("\n\n", m.Lines) : null,
        }, new JsonObject { ["text"] = m.Footer }),
        ["potentialAction"] = new JsonArray(new JsonObject
        {
            ["@type"] = "OpenUri",
            ["name"] = "Open in the console",
            ["targets"] = new JsonArray(new JsonObject { ["os"] = "default", ["uri"] = m.Link }),
        }),
    };

    /// <summary>A Slack message: <c>text</c> (shown in notifications and by clients without blocks) plus blocks.</summary>
    public static JsonObject Slack(NotificationMessage m)
    {
        var fields = m.Facts.Select(f => (JsonNode)new JsonObject { ["type"] = "mrkdwn", ["text"] = $"*{f.Name}*\n{f.Value}" }).ToArray();
        var blocks = new JsonArray(
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Truncate(m.Title, 150) } },
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = m.Headline } });
        // Slack allows at most 10 fields per section block.
        for (var i = 0; i < fields.Length; i += 10)
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["fields"] = new JsonArray(fields.Skip(i).Take(10).Select(f => f!.DeepClone()).ToArray()) });
        }

        if (m.Lines.Count > 0)
        {
            blocks.Add(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Truncate(string.Join("\n", m.Lines), 3000) } });
        }

        blocks.Add(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = $"<{m.Link}|Open in the console>" } });
        blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = m.Footer }) });
        return new JsonObject { ["text"] = $"{m.Title} {m.Link}", ["blocks"] = blocks };
    }

    private static string Colour(Severity? severity) => severity switch
    {
        Severity.Critical => "B00020",
        Severity.Urgent => "E65100",
        Severity.High => "F9A825",
        _ => "607D8B",
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
