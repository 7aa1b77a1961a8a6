namespace AlertPipeline.Detection.Lists;

/// <summary>How a term is compared with text. All kinds are case-insensitive and run on normalised text.</summary>
public enum MatchKind
{
    /// <summary>The term's words, whole, consecutive ("kill myself").</summary>
    Word,
    /// <summary>Same as <see cref="Word"/> for multi-word terms; kept distinct for list readability and Senso import.</summary>
    Phrase,
    /// <summary>Last word is a prefix: <c>suicid*</c> matches "suicidal", "suicide".</summary>
    Prefix,
}

/// <summary>One line of a keyword list. <see cref="Id"/> is stable across versions: "category/term".</summary>
public sealed record KeywordEntry(
    string Term,
    string Category,
    Severity Severity,
    MatchKind Kind,
    SourceKinds Sources,
    string? Notes = null)
{
    public string Id => $"{Category}/{Term}";
}

/// <summary>A phrase whose occurrence suppresses any match that lies inside it ("scunthorpe", "kill the process").</summary>
public sealed record AllowEntry(string Phrase, string? Notes = null);
