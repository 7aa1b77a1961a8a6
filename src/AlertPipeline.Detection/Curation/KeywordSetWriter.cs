using System.Text;
using AlertPipeline.Detection.Lists;

namespace AlertPipeline.Detection.Curation;

/// <summary>
/// Writes a <see cref="KeywordSet"/> back out in the list directory format (docs/keyword-lists.md), so
/// <c>KeywordSetParser.Parse(ToFiles(set))</c> gives the same entries, groups, combinations and allow phrases.
/// </summary>
public static class KeywordSetWriter
{
    private static readonly string[] Kinds = ["word", "phrase", "prefix", "regex"];

    public static IReadOnlyList<KeywordSourceFile> ToFiles(KeywordSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var files = new List<KeywordSourceFile>();
        foreach (var category in set.Categories.Order(StringComparer.Ordinal))
        {
            var builder = new StringBuilder("term,match,severity,sources,requires,notes,unless\n");
            var any = false;
            foreach (var e in set.Entries.Where(e => e.Category == category && e.Intent is null))
            {
                // A prefix is written with match=prefix and no '*', so a term is never read back differently.
                builder.AppendJoin(',', Csv.Escape(e.Term), Kinds[(int)e.Kind], e.Severity.ToName(), e.Sources.ToName(),
                    e.Requires ?? string.Empty, Csv.Escape(e.Notes ?? string.Empty), e.Unless ?? string.Empty).Append('\n');
                any = true;
            }

            if (any)
            {
                files.Add(new KeywordSourceFile(category + ".csv", builder.ToString()));
            }
        }

        if (set.Entries.Any(e => e.Intent is not null))
        {
            var builder = new StringBuilder("id,category,severity,slots,gap,sources,requires,unless,notes\n");
            foreach (var e in set.Entries.Where(e => e.Intent is not null))
            {
                builder.AppendJoin(',', e.Term, e.Category, e.Severity.ToName(), string.Join(' ', e.Intent!.Slots.Select(s => s.Group)),
                    e.Intent.Gap.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Sources.ToName(), e.Requires ?? string.Empty,
                    e.Unless ?? string.Empty, Csv.Escape(e.Notes ?? string.Empty)).Append('\n');
            }

            files.Add(new KeywordSourceFile(KeywordSetParser.IntentsFile, builder.ToString()));
        }

        if (set.Groups.Count > 0)
        {
            var builder = new StringBuilder("group,term,notes\n");
            foreach (var g in set.Groups)
            {
                builder.AppendJoin(',', g.Group, Csv.Escape(g.Term + (g.Kind == MatchKind.Prefix ? "*" : string.Empty)),
                    Csv.Escape(g.Notes ?? string.Empty)).Append('\n');
            }

            files.Add(new KeywordSourceFile(KeywordSetParser.GroupsFile, builder.ToString()));
        }

        if (set.Combinations.Count > 0)
        {
            var builder = new StringBuilder("id,category,group,raise_to,notes,unless,sources\n");
            foreach (var c in set.Combinations)
            {
                builder.AppendJoin(',', Csv.Escape(c.Id), c.Category, c.Group ?? string.Empty, c.RaiseTo.ToName(), Csv.Escape(c.Notes ?? string.Empty), c.Unless ?? string.Empty,
                    c.Sources == SourceKinds.Any ? string.Empty : c.Sources.ToName()).Append('\n');
            }

            files.Add(new KeywordSourceFile(KeywordSetParser.CombinationsFile, builder.ToString()));
        }

        if (set.Allow.Count > 0)
        {
            var builder = new StringBuilder("phrase,notes\n");
            foreach (var a in set.Allow)
            {
                builder.Append(Csv.Escape(a.Phrase)).Append(',').Append(Csv.Escape(a.Notes ?? string.Empty)).Append('\n');
            }

            files.Add(new KeywordSourceFile(KeywordSetParser.AllowListFile, builder.ToString()));
        }

        return files;
    }
}
