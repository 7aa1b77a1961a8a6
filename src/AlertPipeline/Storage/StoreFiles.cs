using System.Collections.Concurrent;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Storage;

/// <summary>A store file that must not be opened: missing after it existed, zero bytes, or not a sound SQLite database.</summary>
internal sealed class StoreUnusableException(string message) : Exception(message);

/// <summary>
/// Tells a new data directory from one whose store has vanished or been damaged. Every SQLite store, once created,
/// is recorded in <c>.alertpipeline-stores</c> in its directory. On open:
/// <list type="bullet">
/// <item>a file that is missing but recorded there is refused (a first start on an empty directory still creates it);</item>
/// <item>a zero-byte file is refused (SQLite would happily treat it as a new, empty database: every alert gone without a word);</item>
/// <item>a file without the SQLite header, or whose schema cannot be read, is refused;</item>
/// <item>a file up to <see cref="FullCheckAtStartLimit"/> that fails <c>PRAGMA quick_check</c> is refused. A larger
/// one (a 30-day queue.db) is quick_checked in the background after start instead (<see cref="TakeDeferred"/>):
/// quick_check reads every page, 13-33 s for a 335 MB file on this project's loaded 2-core machine, and a start that
/// slow would itself hold alerts up. Damage found there raises the watchdog's <c>stores</c> check.</item>
/// </list>
/// Each refusal names the file and what to do. A store is never silently recreated.
/// </summary>
internal static class StoreFiles
{
    public const string ManifestName = ".alertpipeline-stores";

    /// <summary>Stores up to this size are quick_checked before start; larger ones in the background after it.</summary>
    public const long FullCheckAtStartLimit = 64L * 1024 * 1024;

    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    // Paths whose quick_check was left for after start; drained by the watchdog's StoreDeepCheck.
    private static readonly ConcurrentDictionary<string, byte> Deferred = new(StringComparer.Ordinal);

    // One process opens each store from several singletons (the CLI and tests many times); checking one path at a
    // time keeps two threads from both recording it.
    private static readonly Lock ManifestLock = new();

    /// <summary>Checks <paramref name="path"/> before it is opened; throws <see cref="StoreUnusableException"/> if it must not be.</summary>
    public static void Check(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        var name = Path.GetFileName(path);
        var manifest = Path.Combine(directory, ManifestName);
        var file = new FileInfo(path);
        var startEmpty = $"to start this store empty on purpose, move the file away and delete the line '{name}' from {manifest}";
        if (!file.Exists)
        {
            if (Recorded(manifest).Contains(name))
            {
                throw new StoreUnusableException(
                    $"storage: {path} is missing, but this data directory held it before (it is listed in {manifest}). " +
                    $"AlertPipeline will not create an empty store in its place: restore {name} from your backup; {startEmpty}.");
            }

            return; // New: the caller creates it, then Record()s it.
        }

        if (file.Length == 0 && !Recorded(manifest).Contains(name))
        {
            return; // Created (0600) and not yet written by a start that stopped there: still new.
        }

        if (file.Length == 0)
        {
            throw new StoreUnusableException(
                $"storage: {path} is empty (0 bytes): it was truncated or never written, and would open as an empty store with every record gone. " +
                $"Restore {name} from your backup; {startEmpty}.");
        }

        var header = new byte[SqliteHeader.Length];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (read < header.Length || !header.AsSpan().SequenceEqual(SqliteHeader))
        {
            throw new StoreUnusableException(
                $"storage: {path} is not an SQLite database (its first bytes are not the SQLite header): it was overwritten or damaged. " +
                $"Restore {name} from your backup; {startEmpty}.");
        }

        string? problem;
        if (file.Length > FullCheckAtStartLimit)
        {
            problem = SchemaCheck(path);
            Deferred[path] = 0;
        }
        else
        {
            problem = QuickCheck(path);
        }

        if (problem is not null)
        {
            throw new StoreUnusableException(
                $"storage: {path} is damaged ({problem}). Restore {name} from your backup, " +
                $"or try 'sqlite3 {name} .recover' on a copy; {startEmpty}.");
        }
    }

    /// <summary>Records that <paramref name="path"/> exists now, so that its later disappearance is noticed.</summary>
    public static void Record(string path)
    {
        var manifest = Path.Combine(Path.GetDirectoryName(path)!, ManifestName);
        var name = Path.GetFileName(path);
        lock (ManifestLock)
        {
            if (Recorded(manifest).Contains(name))
            {
                return;
            }

            // Appended, one name a line: a crash mid-write leaves at worst a partial last line, never a lost name.
            File.AppendAllText(manifest, name + "\n", Encoding.UTF8);
        }
    }

    /// <summary>The stores of <paramref name="dataDirectory"/> whose quick_check was left for after start (each returned once).</summary>
    public static IReadOnlyList<string> TakeDeferred(string dataDirectory)
    {
        var taken = new List<string>();
        foreach (var path in Deferred.Keys)
        {
            if (string.Equals(Path.GetDirectoryName(path), Path.TrimEndingDirectorySeparator(dataDirectory), StringComparison.Ordinal) && Deferred.TryRemove(path, out _))
            {
                taken.Add(path);
            }
        }

        return taken;
    }

    /// <summary>The full <c>quick_check</c> of a store: null when sound, else what SQLite found.</summary>
    public static string? DeepCheck(string path) => QuickCheck(path);

    private static HashSet<string> Recorded(string manifest) =>
        File.Exists(manifest)
            ? [.. File.ReadAllLines(manifest).Select(l => l.Trim()).Where(l => l.Length > 0)]
            : [];

    /// <summary>
    /// <c>PRAGMA quick_check</c>: every page and b-tree is walked (not the index-to-table cross-check of
    /// integrity_check), so a torn or overwritten page is found at start rather than by detection at 3 a.m.
    /// </summary>
    private static string? QuickCheck(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout=30000";
            command.ExecuteNonQuery();
            command.CommandText = "PRAGMA quick_check(5)";
            using var reader = command.ExecuteReader();
            var problems = new List<string>();
            while (reader.Read())
            {
                var line = reader.GetString(0);
                if (line != "ok")
                {
                    problems.Add(line);
                }
            }

            return problems.Count == 0 ? null : string.Join("; ", problems);
        }
        catch (SqliteException ex) when (IsDamage(ex))
        {
            return ex.Message;
        }
    }

    /// <summary>The cheap check for a large store: the schema (page 1 and the schema b-tree) can be read.</summary>
    private static string? SchemaCheck(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sqlite_schema";
            command.ExecuteScalar();
            return null;
        }
        catch (SqliteException ex) when (IsDamage(ex))
        {
            return ex.Message;
        }
    }

    /// <summary>SQLite's "the file is damaged" results: SQLITE_CORRUPT (11) and SQLITE_NOTADB (26).</summary>
    public static bool IsDamage(SqliteException ex) => ex.SqliteErrorCode is 11 or 26;
}
