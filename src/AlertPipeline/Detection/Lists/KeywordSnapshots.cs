using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Migrations;

namespace AlertPipeline.Detection.Lists;

internal sealed record DiffLine(char Kind, string Text);

internal sealed record FileDiff(string File, IReadOnlyList<DiffLine> Lines);

/// <summary>
/// The list files as they were at each version (<c>system.db</c>, or the trust's PostgreSQL), so the history page can
/// show what changed, not only that something did, and so every detect process of a trust can write the version in
/// force into its own list folder (<see cref="DetectorHolder"/>). File contents are stored once per distinct content.
/// </summary>
internal sealed class KeywordSnapshots
{
    public const string StoreName = "keyword-snapshots";

    private readonly RelationalStore _store;

    public KeywordSnapshots(RelationalStores stores, TimeProvider clock)
        : this(stores.For("system.db"), clock)
    {
    }

    public KeywordSnapshots(RelationalStore store, TimeProvider clock)
    {
        _store = store;
        SchemaVersion = store.Migrate(StoreName, Steps, Steps, clock);
    }

    public int SchemaVersion { get; }

    /// <summary>The same SQL on both engines; on SQLite step 1 adopts the tables earlier releases created, rows and all.</summary>
    private static readonly Migration[] Steps =
    [
        new(1, "keyword snapshots", (connection, transaction) =>
        {
            connection.Command("CREATE TABLE IF NOT EXISTS keyword_blobs (sha TEXT PRIMARY KEY, content TEXT NOT NULL)", transaction).Run();
            connection.Command("""
                CREATE TABLE IF NOT EXISTS keyword_snapshot_files (
                    version TEXT NOT NULL, file TEXT NOT NULL, sha TEXT NOT NULL REFERENCES keyword_blobs(sha),
                    PRIMARY KEY (version, file))
                """, transaction).Run();
        }),
    ];

    public bool Has(string version)
    {
        using var connection = _store.Open();
        return connection.Command("SELECT COUNT(*) FROM keyword_snapshot_files WHERE version = @v").With("@v", version).Long() > 0;
    }

    /// <summary>Keeps the files of a version, once: a version already kept (by this or any other process) is left as it is.</summary>
    public void Save(string version, IReadOnlyList<KeywordSourceFile> files)
    {
        if (Has(version))
        {
            return;
        }

        using var connection = _store.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var file in files)
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.Content)));
            connection.Command("INSERT INTO keyword_blobs(sha, content) VALUES (@sha, @content) ON CONFLICT DO NOTHING", transaction)
                .With("@sha", sha).With("@content", file.Content).Run();
            connection.Command("INSERT INTO keyword_snapshot_files(version, file, sha) VALUES (@v, @file, @sha) ON CONFLICT DO NOTHING", transaction)
                .With("@v", version).With("@file", file.Name).With("@sha", sha).Run();
        }

        transaction.Commit();
    }

    /// <summary>The files of a version in name order, or null when the version was never kept.</summary>
    public IReadOnlyList<KeywordSourceFile>? Load(string version)
    {
        using var connection = _store.Open();
        var files = connection.Command("""
                SELECT f.file, b.content FROM keyword_snapshot_files f JOIN keyword_blobs b ON b.sha = f.sha
                WHERE f.version = @v ORDER BY f.file
                """)
            .With("@v", version)
            .Rows(r => new KeywordSourceFile(r.GetString(0), r.GetString(1)));
        return files.Count == 0 ? null : files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The changed files between two snapshots (null when either version was never snapshotted).</summary>
    public IReadOnlyList<FileDiff>? Diff(string from, string to)
    {
        var before = Files(from);
        var after = Files(to);
        if (before.Count == 0 || after.Count == 0)
        {
            return null;
        }

        var result = new List<FileDiff>();
        foreach (var name in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var a = before.GetValueOrDefault(name);
            var b = after.GetValueOrDefault(name);
            if (a != b)
            {
                result.Add(new FileDiff(name, LineDiff.Compute(Content(a), Content(b))));
            }
        }

        return result;
    }

    /// <summary>File name to content hash.</summary>
    private Dictionary<string, string> Files(string version)
    {
        using var connection = _store.Open();
        return connection.Command("SELECT file, sha FROM keyword_snapshot_files WHERE version = @v").With("@v", version)
            .Rows(r => (File: r.GetString(0), Sha: r.GetString(1)))
            .ToDictionary(f => f.File, f => f.Sha, StringComparer.Ordinal);
    }

    private string Content(string? sha)
    {
        if (sha is null)
        {
            return string.Empty;
        }

        using var connection = _store.Open();
        return connection.Command("SELECT content FROM keyword_blobs WHERE sha = @sha").With("@sha", sha).Rows(r => r.GetString(0)).Single();
    }
}

/// <summary>A line diff for list files: common ends trimmed, an LCS over the changed middle, long unchanged runs folded.</summary>
internal static class LineDiff
{
    private const int Context = 2;
    private const int MaxCells = 4_000_000;

    public static IReadOnlyList<DiffLine> Compute(string before, string after)
    {
        var a = Split(before);
        var b = Split(after);
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix])
        {
            prefix++;
        }

        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)])
        {
            suffix++;
        }

        var lines = new List<DiffLine>();
        lines.AddRange(a[Math.Max(0, prefix - Context)..prefix].Select(l => new DiffLine(' ', l)));
        lines.AddRange(Middle(a[prefix..(a.Length - suffix)], b[prefix..(b.Length - suffix)]));
        lines.AddRange(a[(a.Length - suffix)..Math.Min(a.Length, a.Length - suffix + Context)].Select(l => new DiffLine(' ', l)));
        return Fold(lines);
    }

    private static List<DiffLine> Middle(string[] a, string[] b)
    {
        if ((long)a.Length * b.Length > MaxCells)
        {
            return [.. a.Select(l => new DiffLine('-', l)), .. b.Select(l => new DiffLine('+', l))];
        }

        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var result = new List<DiffLine>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                result.Add(new DiffLine(' ', a[x++]));
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                result.Add(new DiffLine('+', b[y++]));
            }
            else
            {
                result.Add(new DiffLine('-', a[x++]));
            }
        }

        return result;
    }

    private static List<DiffLine> Fold(List<DiffLine> lines)
    {
        var result = new List<DiffLine>();
        for (var i = 0; i < lines.Count;)
        {
            var run = 0;
            while (i + run < lines.Count && lines[i + run].Kind == ' ')
            {
                run++;
            }

            if (run > 2 * Context + 1 && i > 0 && i + run < lines.Count)
            {
                result.AddRange(lines.Skip(i).Take(Context));
                result.Add(new DiffLine('…', $"{run - 2 * Context} unchanged lines"));
                result.AddRange(lines.Skip(i + run - Context).Take(Context));
                i += run;
            }
            else if (run > 0)
            {
                result.AddRange(lines.Skip(i).Take(run));
                i += run;
            }
            else
            {
                result.Add(lines[i++]);
            }
        }

        return result;
    }

    private static string[] Split(string text) =>
        text.Length == 0 ? [] : text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
}
