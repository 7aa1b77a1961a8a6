namespace AlertPipeline.Detection.Lists;

/// <summary>An immutable, validated set of keyword lists plus the allow-list: what a detector is compiled from.</summary>
public sealed class KeywordSet
{
    public KeywordSet(IReadOnlyList<KeywordEntry> entries, IReadOnlyList<AllowEntry> allow, string version)
        : this(entries, allow, [], [], version)
    {
    }

    public KeywordSet(
        IReadOnlyList<KeywordEntry> entries,
        IReadOnlyList<AllowEntry> allow,
        IReadOnlyList<GroupTerm> groups,
        IReadOnlyList<Combination> combinations,
        string version)
    {
        Entries = entries;
        Allow = allow;
        Groups = groups;
        Combinations = combinations;
        Version = version;
    }

    public IReadOnlyList<KeywordEntry> Entries { get; }

    public IReadOnlyList<AllowEntry> Allow { get; }

    /// <summary>Context terms from groups.csv, each naming its group.</summary>
    public IReadOnlyList<GroupTerm> Groups { get; }

    /// <summary>Severity-raising rules from combinations.csv.</summary>
    public IReadOnlyList<Combination> Combinations { get; }

    /// <summary>A content hash of the lists, so an alert can say which version flagged it.</summary>
    public string Version { get; }

    public IEnumerable<string> Categories => Entries.Select(e => e.Category).Distinct(StringComparer.Ordinal);
}

/// <summary>A named text file of a keyword list directory, already read by the caller (this library does no I/O).</summary>
public sealed record KeywordSourceFile(string Name, string Content);

/// <summary>A problem in a list file, naming the file, line and field.</summary>
public sealed class KeywordListException(string message) : Exception(message);
