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
    public static int Backup(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("backup", rest, ["data-dir", "config", "out"]);
        args.NoPositionals();
        var target = args.Get("out") ?? throw new CliException("backup: --out BACKUP_DIR is required (a new, empty directory)");
        var data = DataDirectory(args);
        var manifest = Run("backup", () => DataBackup.Create(data, target, TimeProvider.System));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Backed up {data} to {Path.GetFullPath(target)}: {manifest.Files.Count} files, {manifest.Files.Sum(f => f.Bytes):N0} bytes, checksums in {DataBackup.ManifestFile}."));
        return 0;
    }

    public static int Restore(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("restore", rest, ["from", "data-dir"]);
        args.NoPositionals();
        var from = args.Get("from") ?? throw new CliException("restore: --from BACKUP_DIR is required");
        var data = args.Get("data-dir") ?? throw new CliException("restore: --data-dir NEW_DIR is required (a new, empty directory)");
        var manifest = Run("restore", () => DataBackup.Restore(from, data));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Restored {manifest.Files.Count} files (backup of {manifest.CreatedAt:yyyy-MM-dd HH:mm:ss}Z by alertpipeline {manifest.Version}) into {Path.GetFullPath(data)}; every checksum matched."));
        output.WriteLine($"Start the host on it with Storage:DataDirectory (or --data-dir) set to {Path.GetFullPath(data)}.");
        return 0;
    }

    private static string DataDirectory(CliArgs args)
    {
        var configuration = PipelineConfiguration.Build(args.Get("config"), CliApp.CommonOverrides(args));
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
