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
    /// <summary>A guarded .NET regular expression run on the normalised text (non-backtracking, time-limited).</summary>
    Regex,
}

/// <summary>One line of a keyword list. <see cref="Id"/> is stable across versions: "category/term".</summary>
/// <param name="Requires">A context group id (groups.csv): the entry fires only when a term of that group is in the same text.</param>
/// <param name="Origin">Where the entry was read ("suicide.csv:4"), for lint and error messages; null when built in code.</param>
/// <param name="Unless">A context group id (groups.csv) whose presence says the term is used in its everyday sense
/// ("bars" beside "chocolate", "balloons" beside "birthday"): the entry does not fire when a term of it is in the text.</param>
public sealed record KeywordEntry(
    string Term,
    string Category,
    Severity Severity,
    MatchKind Kind,
    SourceKinds Sources,
    string? Notes = null,
    string? Requires = null,
    string? Origin = null,
    string? Unless = null)
{
    public string Id => $"{Category}/{Term}";

    /// <summary>For an intent rule (intents.csv), its slots; the entry is then a regex built from them.</summary>
    public IntentRule? Intent { get; init; }

    /// <summary>The regular expression a <see cref="MatchKind.Regex"/> entry runs: the term, or an intent rule's.</summary>
    public string RegexPattern => Intent?.Pattern ?? Term;
}

/// <summary>A phrase whose occurrence suppresses any match that lies inside it ("scunthorpe", "kill the process").</summary>
public sealed record AllowEntry(string Phrase, string? Notes = null, string? Origin = null);

/// <summary>
/// A context term (groups.csv): never alerts on its own, but satisfies an entry's <c>requires</c> and
/// triggers <see cref="Combination"/>s. <paramref name="Kind"/> is <see cref="MatchKind.Word"/> or, for a
/// trailing <c>*</c>, <see cref="MatchKind.Prefix"/>.
/// </summary>
public sealed record GroupTerm(string Group, string Term, MatchKind Kind, string? Notes = null, string? Origin = null);

/// <summary>
/// A severity rule (combinations.csv): a text with a match in <paramref name="Category"/> and a term of
/// <paramref name="Group"/> is raised to at least <paramref name="RaiseTo"/>.
/// </summary>
/// <param name="Group">The context group whose term must be in the text; null when <paramref name="Sources"/> alone
/// decides (a rule that raises whatever a pupil searches for in the category).</param>
/// <param name="Unless">A group whose presence keeps the rule from raising: schoolwork ("how many … altogether", "in the
/// novel") is read as schoolwork. The matches keep their own severity.</param>
/// <param name="Sources">Where the text must come from for the rule to raise (default: anywhere). A topic named in a
/// sentence is low; the same word searched for, or opened as a page, is what the pupil is looking for (ADR 0016).</param>
public sealed record Combination(string Id, string Category, string? Group, Severity RaiseTo, string? Notes = null, string? Origin = null, string? Unless = null,
    SourceKinds Sources = SourceKinds.Any);
