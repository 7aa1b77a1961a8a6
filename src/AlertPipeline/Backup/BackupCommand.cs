using System.CommandLine;
using System.Globalization;
using AlertPipeline.Cli;
using AlertPipeline.Hosting;
using AlertPipeline.Storage;

namespace AlertPipeline.Backup;

/// <summary>
/// <c>alertpipeline backup --out DIR</c> (while the host runs) and <c>alertpipeline restore --from DIR --data-dir NEW</c>
/// (into an empty directory, the host stopped or on another machine).
/// </summary>
internal static class BackupCommand
{
    public static Command CreateBackup() => CliCommand.Leaf("backup",
        "every store (SQLite online backup), keys/, screenshots/, outbox/, lists and roster, with checksums; safe while the host runs",
        [new("out", "a new, empty directory", "BACKUP_DIR"), CliOption.DataDir, CliOption.Config], (args, io) => Backup(args, io.Output));

    public static Command CreateRestore() => CliCommand.Leaf("restore",
        "checks every checksum, then restores into an empty directory only",
        [new("from", "the backup", "BACKUP_DIR"), new("data-dir", "a new, empty data directory", "NEW_DIR")], (args, io) => Restore(args, io.Output));

    private static int Backup(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var target = args.Get("out") ?? throw new CliException("backup: --out BACKUP_DIR is required (a new, empty directory)");
        var data = DataDirectory(args);
        var manifest = Run("backup", () => DataBackup.Create(data, target, TimeProvider.System));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Backed up {data} to {Path.GetFullPath(target)}: {manifest.Files.Count} files, {manifest.Files.Sum(f => f.Bytes):N0} bytes, checksums in {DataBackup.ManifestFile}."));
        if (IsPostgres(args))
        {
            // The shared tables are not in any one data directory (ADR 0022, 0024): say so rather than imply a whole backup.
            output.WriteLine("Not in this backup: what Storage:Provider=postgres keeps in PostgreSQL (alerts and outbox, API keys, accounts, " +
                "audit log, screenshots, session keys). Back that database up with pg_dump, as its administrator does for any database.");
        }

        return 0;
    }

    private static int Restore(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var from = args.Get("from") ?? throw new CliException("restore: --from BACKUP_DIR is required");
        var data = args.Get("data-dir") ?? throw new CliException("restore: --data-dir NEW_DIR is required (a new, empty directory)");
        var manifest = Run("restore", () => DataBackup.Restore(from, data));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Restored {manifest.Files.Count} files (backup of {manifest.CreatedAt:yyyy-MM-dd HH:mm:ss}Z by alertpipeline {manifest.Version}) into {Path.GetFullPath(data)}; every checksum matched."));
        output.WriteLine($"Start the host on it with Storage:DataDirectory (or --data-dir) set to {Path.GetFullPath(data)}.");
        return 0;
    }

    private static bool IsPostgres(CliArgs args) =>
        PipelineConfiguration.Build(args.Get("config"), args.CommonOverrides())[$"{StorageOptions.Section}:Provider"] == StorageProviders.Postgres;

    private static string DataDirectory(CliArgs args)
    {
        var configuration = PipelineConfiguration.Build(args.Get("config"), args.CommonOverrides());
        return Path.GetFullPath(configuration[$"{StorageOptions.Section}:DataDirectory"] ?? new StorageOptions().DataDirectory);
    }

    private static BackupManifest Run(string command, Func<BackupManifest> action)
    {
        try
        {
            return action();
        }
        catch (BackupException ex)
        {
            throw new CliException($"{command}: {ex.Message}");
        }
    }
}
