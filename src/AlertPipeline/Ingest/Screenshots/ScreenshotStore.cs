using System.Security.Cryptography;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Migrations;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Ingest.Screenshots;

/// <summary>
/// Stores screenshots content-addressed per school (<c>screenshots/oakfield/ab/abcdef….png</c> under the data
/// directory), after <see cref="ScreenshotCheck"/> has read them through and cleaned them. A reference is only
/// found in the folder of the school whose key uploaded it, so one school's event cannot show another school's
/// image. Files are written to a temporary name, flushed to disk and renamed, so a reference is only ever returned
/// for a whole file. Nothing here serves them: only the console does, to roles allowed to see pupil data.
/// <para>
/// With <c>Storage:Provider=postgres</c> (a trust on several machines, ADR 0024) the bytes are rows of the shared
/// PostgreSQL instead (<c>screenshots</c>, keyed by the same per-school folder name and hash), because ingest writes
/// them on one machine and the console serves them on another. The separation is the same: a row is found only for
/// the school whose key uploaded it, or for any school when a trust-wide key did.
/// </para>
/// </summary>
internal sealed class ScreenshotStore
{
    public const int MaxBytes = 5 * 1024 * 1024;

    /// <summary>The name of the PostgreSQL screenshot table's schema in <c>schema_migrations</c>.</summary>
    public const string StoreName = "screenshots";

    private static readonly string[] Extensions = [".png", ".jpg"];

    private static readonly Migration[] PostgresSteps =
    [
        new(1, "screenshot bytes per school", (connection, transaction) => connection.Command("""
            CREATE TABLE screenshots (
                school_folder TEXT NOT NULL,
                hash TEXT NOT NULL,
                extension TEXT NOT NULL,
                bytes BYTEA NOT NULL,
                stored_at BIGINT NOT NULL,
                PRIMARY KEY (school_folder, hash));
            CREATE INDEX screenshots_by_hash ON screenshots(hash);
            """, transaction).Run()),
    ];

    private readonly string _root;
    private readonly RelationalStore? _rows;
    private readonly TimeProvider _clock;

    public ScreenshotStore(IOptions<StorageOptions> storage, RelationalStores stores, TimeProvider clock)
    {
        _root = Path.Combine(storage.Value.FullDataDirectory, "screenshots");
        _clock = clock;
        if (storage.Value.IsPostgres)
        {
            _rows = stores.For("system.db");
            // SQLite keeps files (no steps there): the table exists only on PostgreSQL.
            _rows.Migrate(StoreName, [], PostgresSteps, clock);
        }
    }

    /// <summary>Where the bytes are, for messages: the folder, or the PostgreSQL database.</summary>
    public string Describe => _rows?.Describe ?? _root;

    public async Task<(string Reference, bool Created)> SaveAsync(byte[] upload, string? contentType, string schoolId)
    {
        if (contentType is not null && !contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                                    && !contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidScreenshotException(StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type must be image/png or image/jpeg (was '{contentType}')");
        }

        var folder = Folder(schoolId) ?? throw new InvalidScreenshotException(StatusCodes.Status403Forbidden,
            $"the key's school '{schoolId}' cannot own screenshots (letters, digits, '.', '_', '-')");

        var (image, extension) = ScreenshotCheck.Clean(upload);
        var hex = Convert.ToHexStringLower(SHA256.HashData(image));
        if (_rows is not null)
        {
            using var connection = _rows.Open();
            var inserted = connection.Command("""
                INSERT INTO screenshots(school_folder, hash, extension, bytes, stored_at) VALUES (@folder, @hash, @extension, @bytes, @at)
                ON CONFLICT (school_folder, hash) DO NOTHING
                """).With("@folder", folder).With("@hash", hex).With("@extension", extension).With("@bytes", image)
                .With("@at", _clock.GetUtcNow().ToUnixTimeMilliseconds()).Run();
            return ("sha256:" + hex, inserted == 1);
        }

        var path = Path.Combine(_root, folder, hex[..2], hex + extension);
        if (File.Exists(path))
        {
            return ("sha256:" + hex, false);
        }

        await WriteWholeAsync(path, image).ConfigureAwait(false);
        return ("sha256:" + hex, true);
    }

    /// <summary>Whether a screenshot is stored for <paramref name="schoolId"/> under this reference (see <see cref="Read"/>).</summary>
    public bool Exists(string reference, string schoolId)
    {
        if (_rows is null)
        {
            return FindFor(reference, schoolId) is not null;
        }

        if (Hex(reference) is not { } hex || Folder(schoolId) is not { } folder)
        {
            return false;
        }

        using var connection = _rows.Open();
        return connection.Command("SELECT COUNT(*) FROM screenshots WHERE hash = @hash AND school_folder IN (@folder, @trust)")
            .With("@hash", hex).With("@folder", folder).With("@trust", TrustFolder).Long() > 0;
    }

    /// <summary>
    /// The bytes and content type of the screenshot <paramref name="schoolId"/> (or a trust-wide key) uploaded under
    /// this reference, or null: a reference to another school's image finds nothing, on either engine.
    /// </summary>
    public StoredScreenshot? Read(string reference, string schoolId)
    {
        if (_rows is null)
        {
            return FindFor(reference, schoolId) is { } path
                ? new StoredScreenshot(File.ReadAllBytes(path), ContentType(Path.GetExtension(path)))
                : null;
        }

        if (Hex(reference) is not { } hex || Folder(schoolId) is not { } folder)
        {
            return null;
        }

        using var connection = _rows.Open();
        // The school's own copy first, as FindFor prefers its folder to the trust's.
        return connection.Command("""
                SELECT bytes, extension FROM screenshots WHERE hash = @hash AND school_folder IN (@folder, @trust)
                ORDER BY CASE WHEN school_folder = @folder THEN 0 ELSE 1 END LIMIT 1
                """)
            .With("@hash", hex).With("@folder", folder).With("@trust", TrustFolder)
            .Rows(r => new StoredScreenshot(r.GetFieldValue<byte[]>(0), ContentType(r.GetString(1))))
            .FirstOrDefault();
    }

    private static string ContentType(string extension) => extension == ".png" ? "image/png" : "image/jpeg";

    /// <summary>The file for a <c>sha256:</c> reference as <paramref name="schoolId"/> uploaded it, or null (SQLite: files).</summary>
    /// <remarks>
    /// A trust-wide key (school <c>*</c>) may send events for any school, so what it uploaded is found for any school.
    /// A screenshot stored before screenshots were kept per school (directly under <c>screenshots/ab/</c>) is not
    /// found here: it could be any school's, and was once shown to any school whose alert named its hash.
    /// <see cref="AdoptLegacyAsync"/> moves each into the folder of the schools whose alerts show it, at start.
    /// </remarks>
    public string? FindFor(string reference, string schoolId) =>
        Hex(reference) is { } hex && Folder(schoolId) is { } folder
            ? FirstExisting(Path.Combine(_root, folder, hex[..2]), hex)
              ?? FirstExisting(Path.Combine(_root, TrustFolder, hex[..2]), hex)
            : null;

    /// <summary>
    /// Moves each screenshot stored before screenshots were kept per school (<c>screenshots/ab/…</c>) into the folder
    /// of every school whose alerts show it (<paramref name="shownBy"/>: school and reference, from the alert store,
    /// read only if there are legacy files; files not named by a hash are left alone),
    /// then removes the old copy. Copies are written whole before the old file goes, so a crash midway loses nothing
    /// and the next start finishes the job. A legacy file no alert shows goes to <c>screenshots/~unclaimed/</c>, found
    /// by no school, where retention deletes it as an unreferenced screenshot. Once done there is nothing left to
    /// adopt: an event sent later that names a legacy hash (ingest does not check references) gains nothing.
    /// </summary>
    /// <returns>How many legacy files were moved, and how many no alert shows.</returns>
    public async Task<(int Moved, int Unreferenced)> AdoptLegacyAsync(Func<IEnumerable<(string SchoolId, string Reference)>> shownBy)
    {
        if (!Directory.Exists(_root))
        {
            return (0, 0);
        }

        var legacy = Directory.EnumerateDirectories(_root).Where(d => Path.GetFileName(d) is { Length: 2 } name && IsHexPair(name))
            .SelectMany(d => Directory.EnumerateFiles(d).Where(f => Extensions.Contains(Path.GetExtension(f))
                && Hex("sha256:" + Path.GetFileNameWithoutExtension(f)) is not null))
            .ToDictionary(f => "sha256:" + Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal);
        if (legacy.Count == 0)
        {
            return (0, 0);
        }

        // Read only now there is something to adopt: a start with no legacy files never reads the alerts table here.
        var schoolsOf = shownBy().Where(s => legacy.ContainsKey(s.Reference))
            .GroupBy(s => s.Reference, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => s.SchoolId).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var moved = 0;
        foreach (var (reference, path) in legacy)
        {
            if (!schoolsOf.TryGetValue(reference, out var schools))
            {
                // Out of the legacy folders, so a later event naming this hash can never have it adopted for its school.
                var unclaimed = Path.Combine(_root, UnclaimedFolder, reference[7..9], Path.GetFileName(path));
                DataDirectory.CreateFolder(Path.GetDirectoryName(unclaimed)!);
                File.Move(path, unclaimed, overwrite: true);
                continue;
            }

            var hex = reference[7..];
            foreach (var folder in schools.Select(Folder).OfType<string>())
            {
                var target = Path.Combine(_root, folder, hex[..2], Path.GetFileName(path));
                if (!File.Exists(target))
                {
                    await WriteWholeAsync(target, await File.ReadAllBytesAsync(path).ConfigureAwait(false)).ConfigureAwait(false);
                }
            }

            File.Delete(path);
            moved++;
        }

        return (moved, legacy.Count - moved);
    }

    /// <summary>Writes to a temporary name, flushes to disk and renames: a reader never sees part of a file.</summary>
    private static async Task WriteWholeAsync(string path, ReadOnlyMemory<byte> bytes)
    {
        DataDirectory.CreateFolder(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 64 * 1024, Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = DataDirectory.PrivateFile;
        }

        var file = new FileStream(temporary, options);
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(bytes).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Every stored copy of a reference, whichever school uploaded it (for retention).</summary>
    public IEnumerable<string> FindAll(string reference)
    {
        if (Hex(reference) is not { } hex || !Directory.Exists(_root))
        {
            yield break;
        }

        var folders = Directory.EnumerateDirectories(_root).Where(d => Path.GetFileName(d).Length != 2 || !IsHexPair(Path.GetFileName(d)))
            .Select(school => Path.Combine(school, hex[..2])).Append(Path.Combine(_root, hex[..2]));
        foreach (var folder in folders)
        {
            if (FirstExisting(folder, hex) is { } path)
            {
                yield return path;
            }
        }
    }

    /// <summary>Any stored copy of a reference, or null.</summary>
    public string? Find(string reference) => FindAll(reference).FirstOrDefault();

    private static string? FirstExisting(string folder, string hex) =>
        Extensions.Select(extension => Path.Combine(folder, hex + extension)).FirstOrDefault(File.Exists);

    private static string? Hex(string reference) =>
        reference.StartsWith("sha256:", StringComparison.Ordinal) && reference.Length == 71 && reference.AsSpan(7).ContainsOnlyLowerHex()
            ? reference[7..]
            : null;

    private static bool IsHexPair(string name) => name.AsSpan().ContainsOnlyLowerHex();

    /// <summary>Where a trust-wide key's uploads go: '~' is outside the school-id alphabet, so no school can be named so.</summary>
    private const string TrustFolder = "~trust";

    /// <summary>Legacy screenshots no alert showed when they were adopted: no school's, kept until retention deletes them.</summary>
    private const string UnclaimedFolder = "~unclaimed";

    /// <summary>The folder of a school's screenshots, or null if the id is not safe as a folder name.</summary>
    private static string? Folder(string schoolId) =>
        schoolId == "*" ? TrustFolder
        : schoolId.Length is > 0 and <= 64 && schoolId != "." && schoolId != ".."
          && schoolId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') ? schoolId
        : null;

    /// <summary>
    /// On PostgreSQL (else 0): deletes every school's row of each <paramref name="freed"/> reference no alert shows, and
    /// rows stored before <paramref name="cutoff"/> that no alert shows (<paramref name="referenced"/>); with
    /// <paramref name="dryRun"/>, only counts them. The rule retention applies to the files, applied to the rows.
    /// </summary>
    public int DeleteRows(IReadOnlySet<string> freed, IReadOnlySet<string> referenced, DateTimeOffset cutoff, bool dryRun)
    {
        if (_rows is null)
        {
            return 0;
        }

        using var connection = _rows.Open();
        var due = connection.Command("SELECT school_folder, hash, stored_at FROM screenshots")
            .Rows(r => (Folder: r.GetString(0), Hash: r.GetString(1), StoredAt: r.GetInt64(2)))
            .Where(r => !referenced.Contains("sha256:" + r.Hash)
                        && (freed.Contains("sha256:" + r.Hash) || r.StoredAt < cutoff.ToUnixTimeMilliseconds()))
            .ToList();
        if (!dryRun)
        {
            foreach (var (folder, hash, _) in due)
            {
                connection.Command("DELETE FROM screenshots WHERE school_folder = @folder AND hash = @hash")
                    .With("@folder", folder).With("@hash", hash).Run();
            }
        }

        return due.Count;
    }

    /// <summary>Every file under the screenshot folder: its reference, or null for a temporary file a crash left behind.</summary>
    public IEnumerable<(string? Reference, string Path)> Stored()
    {
        if (!Directory.Exists(_root))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var name = System.IO.Path.GetFileName(path);
            var extension = System.IO.Path.GetExtension(name);
            yield return (extension is ".png" or ".jpg" ? "sha256:" + System.IO.Path.GetFileNameWithoutExtension(name) : null, path);
        }
    }

}

/// <summary>A screenshot's bytes as stored, and its content type.</summary>
internal sealed record StoredScreenshot(byte[] Bytes, string ContentType);

internal static class HexExtensions
{
    public static bool ContainsOnlyLowerHex(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is < 'a' or > 'f')
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class InvalidScreenshotException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
