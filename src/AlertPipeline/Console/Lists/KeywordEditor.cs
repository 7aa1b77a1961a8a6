using System.Globalization;
using System.Text;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Lists;
using CsvHelper;

namespace AlertPipeline.ConsoleUi.Lists;

internal sealed record KeywordChange(int Status, string? Error, string? Version)
{
    public static KeywordChange Fail(int status, string error) => new(status, error, null);
}

/// <summary>
/// Changes the list files on behalf of an IT user: edit a term's text, severity or notes, disable a term, add an
/// allow phrase. Each change rewrites one line of one file in place (so curators' comments survive), is parsed
/// with every other file before it is kept (an invalid change is rolled back and its error returned), and is
/// recorded as a version with who and why before the detector swaps it in.
/// </summary>
internal sealed class KeywordEditor(DetectorHolder holder, KeywordVersionStore versions, KeywordSnapshots snapshots, TimeProvider clock)
{
    // One change at a time: each reads the version it checks against and writes the next.
    private readonly Lock _lock = new();

    public KeywordChange Edit(string entryId, string? term, string? severity, string? notes, string actor, string reason, string? expectedVersion) =>
        Apply(actor, reason, expectedVersion, set =>
        {
            if (severity is not null && !SeverityNames.TryParse(severity, out _))
            {
                return Fail(400, $"severity must be one of low, medium, high, urgent, critical (was '{severity}')");
            }

            if (term is not null && (term.Trim().Length == 0 || term.Contains('\n', StringComparison.Ordinal)))
            {
                return Fail(400, "the term must be one line of text");
            }

            return WithEntryLine(set, entryId, (columns, fields, entry) =>
            {
                if (term is not null)
                {
                    var field = term.Trim();
                    // Keep "suicid*" a prefix when the file says so with the star and no match column.
                    if (entry.Kind == MatchKind.Prefix && fields[columns["term"]].TrimEnd().EndsWith('*') && !field.EndsWith('*'))
                    {
                        field += "*";
                    }

                    fields[columns["term"]] = field;
                }

                if (severity is not null)
                {
                    fields[columns["severity"]] = severity.Trim().ToLowerInvariant();
                }

                if (notes is not null)
                {
                    if (!columns.TryGetValue("notes", out var n))
                    {
                        return (null, "this list file has no notes column");
                    }

                    fields[n] = notes.Trim();
                }

                return (string.Join(',', fields.Select(Escape)), null);
            });
        });

    public KeywordChange Disable(string entryId, string actor, string reason, string? expectedVersion) =>
        Apply(actor, reason, expectedVersion, set => WithEntryLine(set, entryId, (_, fields, _) =>
        {
            // Kept as a comment, so the history shows it and re-enabling is deleting "# disabled ...: ".
            var why = new string([.. reason.Where(c => c is not (',' or '"' or '\r' or '\n'))]);
            var line = string.Join(',', fields.Select(Escape));
            return (string.Create(CultureInfo.InvariantCulture, $"# disabled by {actor} on {clock.GetUtcNow():yyyy-MM-dd} ({why}): {line}"), null);
        }));

    public KeywordChange AddAllow(string phrase, string? notes, string actor, string reason, string? expectedVersion) =>
        Apply(actor, reason, expectedVersion, _ =>
        {
            if (string.IsNullOrWhiteSpace(phrase) || phrase.Contains('\n', StringComparison.Ordinal))
            {
                return Fail(400, "the allow phrase must be one line of text");
            }

            var path = Path.Combine(holder.Directory, KeywordSetParser.AllowListFile);
            var content = File.Exists(path) ? File.ReadAllText(path) : "phrase,notes\n";
            if (content.Length > 0 && !content.EndsWith('\n'))
            {
                content += "\n";
            }

            return (KeywordSetParser.AllowListFile, content + Escape(phrase.Trim()) + "," + Escape(notes?.Trim() ?? "") + "\n", null);
        });

    private static (string? File, string? Content, KeywordChange? Error) Fail(int status, string error) => (null, null, KeywordChange.Fail(status, error));

    private KeywordChange Apply(string actor, string reason, string? expectedVersion, Func<KeywordSet, (string? File, string? Content, KeywordChange? Error)> change)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return KeywordChange.Fail(400, "say why the list is changed (reason): the history shows it to the next person");
        }

        // One change at a time in this process; the holder holds its reloads off meanwhile and first takes in any
        // version another process of the trust published, so the version check below is against the trust's lists.
        lock (_lock)
        {
            try
            {
                return holder.Change(() => ApplyLocked(actor, reason, expectedVersion, change));
            }
            catch (System.Data.Common.DbException ex)
            {
                // The list history (on a trust, the trust's database) could not be read or written: a file already
                // rewritten was put back, so nothing is in force that is not recorded, and the user can try again.
                return KeywordChange.Fail(503, "the change was not made: the list history could not be reached (" + ex.Message + "); try again in a moment");
            }
        }
    }

    private KeywordChange ApplyLocked(string actor, string reason, string? expectedVersion, Func<KeywordSet, (string? File, string? Content, KeywordChange? Error)> change)
    {
        var current = holder.Current;
        if (expectedVersion is not null && expectedVersion != current.Version)
        {
            return KeywordChange.Fail(409, $"the lists changed since you loaded them ({expectedVersion} is now {current.Version}): reload and try again");
        }

        var (file, content, error) = change(current.Set);
        if (error is not null)
        {
            return error;
        }

        return Write(actor, reason, current, file!, content!);
    }

    private KeywordChange Write(string actor, string reason, Detector current, string file, string content)
    {
        var before = KeywordDirectory.ReadFiles(holder.Directory);
        var path = Path.Combine(holder.Directory, file);
        var previous = File.Exists(path) ? File.ReadAllText(path) : null;
        Write(path, content);
        KeywordSet next;
        try
        {
            next = KeywordSetParser.Parse(KeywordDirectory.ReadFiles(holder.Directory));
        }
        catch (KeywordListException ex)
        {
            Restore(path, previous);

            return KeywordChange.Fail(400, "the change would make the lists invalid, so it was not made: " + ex.Message);
        }

        if (next.Version == current.Version)
        {
            return new KeywordChange(200, null, current.Version);
        }

        try
        {
            snapshots.Save(current.Version, before);
            snapshots.Save(next.Version, KeywordDirectory.ReadFiles(holder.Directory));
            versions.Record(next.Version, actor, reason.Trim(), next.Entries.Count);
        }
        catch (System.Data.Common.DbException)
        {
            Restore(path, previous);

            throw;
        }

        holder.Reload();
        return new KeywordChange(200, null, next.Version);
    }

    /// <summary>Finds the entry's line by its origin ("suicide.csv:12"), checks it still holds that entry, and replaces it.</summary>
    private (string? File, string? Content, KeywordChange? Error) WithEntryLine(
        KeywordSet set, string entryId, Func<Dictionary<string, int>, string[], KeywordEntry, (string? Line, string? Error)> rewrite)
    {
        var entry = set.Entries.FirstOrDefault(e => e.Id == entryId);
        var origin = entry?.Origin;
        var colon = origin?.LastIndexOf(':') ?? -1;
        if (entry is null || origin is null || colon < 0
            || !int.TryParse(origin[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return Fail(404, $"no list entry '{entryId}'");
        }

        var file = origin[..colon];
        var lines = File.ReadAllText(Path.Combine(holder.Directory, file)).Split('\n');
        var headerLine = lines.FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
        if (headerLine is null || number < 1 || number > lines.Length)
        {
            return Fail(409, $"{file} changed on disk since it was loaded: reload and try again");
        }

        var header = Fields(headerLine);
        var columns = header.Select((name, i) => (name: name.Trim(), i)).ToDictionary(c => c.name, c => c.i, StringComparer.Ordinal);
        var fields = Fields(lines[number - 1].TrimEnd('\r'));
        if (!columns.TryGetValue("term", out var termColumn) || termColumn >= fields.Length
            || !string.Equals(fields[termColumn].Trim().TrimEnd('*').TrimEnd(), entry.Term, StringComparison.OrdinalIgnoreCase))
        {
            return Fail(409, $"{origin} no longer holds '{entry.Term}' (the file changed on disk): reload and try again");
        }

        if (fields.Length < header.Length)
        {
            fields = [.. fields, .. Enumerable.Repeat(string.Empty, header.Length - fields.Length)];
        }

        var (line, error) = rewrite(columns, fields, entry);
        if (line is null)
        {
            return Fail(400, error!);
        }

        lines[number - 1] = lines[number - 1].EndsWith('\r') ? line + "\r" : line;
        return (file, string.Join('\n', lines), null);
    }

    private static string[] Fields(string line)
    {
        using var parser = new CsvParser(new StringReader(line), CultureInfo.InvariantCulture);
        return parser.Read() ? parser.Record ?? [] : [];
    }

    /// <summary>RFC 4180 quoting, as the list reader expects (docs/keyword-lists.md).</summary>
    private static string Escape(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Writes beside the file and renames over it, so the reloader never reads half a file.</summary>
    /// <summary>Puts a file back as it was before a change that was not made: removed if it did not exist.</summary>
    private static void Restore(string path, string? previous)
    {
        if (previous is null)
        {
            File.Delete(path);
        }
        else
        {
            Write(path, previous);
        }
    }

    private static void Write(string path, string content)
    {
        var temporary = path + ".console.tmp";
        File.WriteAllText(temporary, content, new UTF8Encoding(false));
        File.Move(temporary, path, overwrite: true);
    }
}
