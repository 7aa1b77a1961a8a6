namespace AlertPipeline.Detection;

/// <summary>Where on the device a piece of text came from. A flags set so list entries can name several.</summary>
[Flags]
public enum SourceKinds
{
    None = 0,
    Search = 1,
    Typed = 2,
    Url = 4,
    Title = 8,
    Screen = 16,
    Chat = 32,
    Any = Search | Typed | Url | Title | Screen | Chat,
}

public static class SourceKindNames
{
    /// <summary>The wire names of the event contract (docs/events.md), in contract order.</summary>
    public static readonly IReadOnlyList<string> All = ["search", "typed", "url", "title", "screen", "chat"];

    public static bool TryParseSingle(string? text, out SourceKinds source)
    {
        source = text switch
        {
            "search" => SourceKinds.Search,
            "typed" => SourceKinds.Typed,
            "url" => SourceKinds.Url,
            "title" => SourceKinds.Title,
            "screen" => SourceKinds.Screen,
            "chat" => SourceKinds.Chat,
            _ => SourceKinds.None,
        };
        return source != SourceKinds.None;
    }

    public static string ToName(this SourceKinds source) => source switch
    {
        SourceKinds.Search => "search",
        SourceKinds.Typed => "typed",
        SourceKinds.Url => "url",
        SourceKinds.Title => "title",
        SourceKinds.Screen => "screen",
        SourceKinds.Chat => "chat",
        SourceKinds.Any => "any",
        _ => string.Join('|', All.Where(n => TryParseSingle(n, out var s) && source.HasFlag(s))),
    };
}
