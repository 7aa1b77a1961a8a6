using System.Security.Cryptography;
using System.Text.Json;
using AlertPipeline.Installation;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Backup;

/// <summary>One file of a backup: its path inside the backup, size and SHA-256.</summary>
internal sealed record BackupFile(string Path, long Bytes, string Sha256);

/// <summary><c>manifest.json</c>: what a backup holds, so a restore can prove it is whole before it writes anything.</summary>
internal sealed record BackupManifest(string Version, DateTimeOffset CreatedAt, string DataDirectory, IReadOnlyList<BackupFile> Files);

/// <summary>A backup or restore that cannot be done; the message names the file or folder.</summary>
internal sealed class BackupException(string message) : Exception(message);

/// <summary>
/// Backs up a data directory while the host runs, and restores it into an empty one. The SQLite stores run in WAL
/// mode, so copying their files while a writer is active can give a database with half a transaction; SQLite's online
/// backup API (<see cref="SqliteConnection.BackupDatabase(SqliteConnection)"/>) copies a consistent snapshot instead.
/// The folders are plain files that are only ever added whole (screenshots are written to a temporary name and moved,
/// keys are written once), so a file copy is enough for them.
/// </summary>
internal static class DataBackup
{
    public const string ManifestFile = "manifest.json";

    // Everything in the data directory a restored host needs; logs/ are left out (they are not the school's record
    // and grow large) and so is the outbox's temporary folder.
    private static readonly string[] Folders = ["keys", "screenshots", "outbox", "keywords", "roster"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static BackupManifest Create(string dataDirectory, string backupDirectory, TimeProvider clock)
    {
        var data = Path.GetFullPath(dataDirectory);
        var target = Path.GetFullPath(backupDirectory);
        if (!Directory.Exists(data))
        {
            throw new BackupException($"data directory '{data}' does not exist");
        }

        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new BackupException($"backup directory '{target}' is not empty: name a new one");
        }

        var databases = Directory.GetFiles(data, "*.db").Order(StringComparer.Ordinal).ToList();
        if (databases.Count == 0)
        {
            throw new BackupException($"'{data}' holds no AlertPipeline store (*.db): is it the data directory?");
        }

        var staging = target + ".partial";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        var files = new List<BackupFile>();
        foreach (var database in databases)
        {
            var name = Path.GetFileName(database);
            var copy = Path.Combine(staging, name);
            using (var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 30 }.ToString()))
            using (var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ToString()))
            {
                source.Open();
                destination.Open();
                source.BackupDatabase(destination);

                // The copy is one self-contained file: no -wal beside it to lose on the way to the backup disk.
                using var command = destination.CreateCommand();
                command.CommandText = "PRAGMA journal_mode=DELETE";
                command.ExecuteNonQuery();
            }

            files.Add(Describe(staging, copy));
        }

        foreach (var folder in Folders)
        {
            var from = Path.Combine(data, folder);
            if (!Directory.Exists(from))
            {
                continue;
            }

            // The outbox writes each message in a staging subfolder and moves the finished .eml up: only those count.
            var found = folder == "outbox"
                ? Directory.GetFiles(from, "*.eml", SearchOption.TopDirectoryOnly)
                : Directory.GetFiles(from, "*", SearchOption.AllDirectories);
            foreach (var file in found.Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(data, file);
                if (file.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    continue; // a screenshot still being written under its temporary name
                }

                var copy = Path.Combine(staging, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                try
                {
                    File.Copy(file, copy);
                }
                catch (FileNotFoundException)
                {
                    continue; // removed by retention while we listed the folder: nothing to keep
                }

                files.Add(Describe(staging, copy));
            }
        }

        var manifest = new BackupManifest(AppVersion.Current, clock.GetUtcNow(), data, files);
        File.WriteAllText(Path.Combine(staging, ManifestFile), JsonSerializer.Serialize(manifest, Json));
        if (Directory.Exists(target))
        {
            Directory.Delete(target);
        }

        // Only a finished backup carries the name asked for: an interrupted one is left as NAME.partial.
        Directory.Move(staging, target);
        return manifest;
    }

    /// <summary>Checks every file of the backup against its manifest, then copies it into an empty data directory.</summary>
    public static BackupManifest Restore(string backupDirectory, string dataDirectory)
    {
        var from = Path.GetFullPath(backupDirectory);
        var data = Path.GetFullPath(dataDirectory);
        var manifest = Verify(from);
        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
        {
            throw new BackupException($"data directory '{data}' is not empty: restore only into a new, empty directory (nothing there was changed)");
        }

        Directory.CreateDirectory(data);
        foreach (var file in manifest.Files)
        {
            var target = Path.Combine(data, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(from, file.Path), target);
        }

        return manifest;
    }

    /// <summary>The manifest, once every file it lists is present with its size and checksum.</summary>
    public static BackupManifest Verify(string backupDirectory)
    {
        var from = Path.GetFullPath(backupDirectory);
        var path = Path.Combine(from, ManifestFile);
        if (!File.Exists(path))
        {
            throw new BackupException($"'{from}' is not a backup: no {ManifestFile}");
        }

        BackupManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(path), Json) ?? throw new BackupException($"{path} is empty");
        }
        catch (JsonException ex)
        {
            throw new BackupException($"{path} is not a backup manifest: {ex.Message}");
        }

        foreach (var file in manifest.Files)
        {
            var full = Path.GetFullPath(Path.Combine(from, file.Path));
            if (!full.StartsWith(from + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new BackupException($"{path} names '{file.Path}', outside the backup");
            }

            if (!File.Exists(full))
            {
                throw new BackupException($"backup is incomplete: {file.Path} is missing");
            }

            var actual = Describe(from, full);
            if (actual.Bytes != file.Bytes || actual.Sha256 != file.Sha256)
            {
                throw new BackupException($"backup is damaged: {file.Path} does not match its checksum in {ManifestFile}");
            }
        }

        return manifest;
    }

    private static BackupFile Describe(string root, string file)
    {
        using var stream = File.OpenRead(file);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new BackupFile(Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'), stream.Length, hash);
    }
}
