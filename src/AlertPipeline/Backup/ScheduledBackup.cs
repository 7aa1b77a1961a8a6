using System.Globalization;
using AlertPipeline.Audit;
using AlertPipeline.Schools;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;
using Quartz;

namespace AlertPipeline.Backup;

/// <summary>
/// The built-in backup schedule (section <c>Backup</c>): off unless <see cref="Directory"/> is set. Each run writes a
/// full backup (<see cref="DataBackup.Create"/>) into a new folder there, then removes scheduled backups beyond
/// <see cref="KeepLast"/> or older than <see cref="KeepDays"/>; the newest complete one is always kept.
/// </summary>
internal sealed class BackupOptions
{
    public const string Section = "Backup";

    /// <summary>Where scheduled backups go (absolute; outside the data directory, ideally another disk). Empty: no schedule.</summary>
    public string Directory { get; set; } = "";

    /// <summary>When, as a Quartz cron expression (seconds first): 02:00 every night by default.</summary>
    public string Cron { get; set; } = "0 0 2 * * ?";

    /// <summary>The zone <see cref="Cron"/> is read in.</summary>
    public string TimeZone { get; set; } = "Europe/London";

    /// <summary>How many scheduled backups to keep at most.</summary>
    public int KeepLast { get; set; } = 14;

    /// <summary>Scheduled backups older than this many days are removed (the newest is always kept).</summary>
    public int KeepDays { get; set; } = 30;
}

internal sealed class BackupOptionsValidator(IOptions<StorageOptions> storage) : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var failures = new List<string>();
        if (options.Directory.Length > 0)
        {
            if (!Path.IsPathFullyQualified(options.Directory))
            {
                failures.Add($"Backup:Directory must be an absolute path such as /srv/backups/alertpipeline (was '{options.Directory}').");
            }
            else
            {
                var data = storage.Value.FullDataDirectory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
                var target = Path.GetFullPath(options.Directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
                if (target.StartsWith(data, StringComparison.Ordinal) || data.StartsWith(target, StringComparison.Ordinal))
                {
                    // A backup that lives with the data is lost with it, and a restore would find itself inside.
                    failures.Add($"Backup:Directory must be outside the data directory {storage.Value.FullDataDirectory} (was '{options.Directory}').");
                }
            }
        }

        if (!BackupServices.IsCron(options.Cron))
        {
            failures.Add($"Backup:Cron must be a Quartz cron expression with seconds first, such as '0 0 2 * * ?' for 02:00 daily (was '{options.Cron}').");
        }

        if (SchoolHours.FindTimeZone(options.TimeZone) is null)
        {
            failures.Add($"Backup:TimeZone must be a time zone id such as Europe/London (was '{options.TimeZone}').");
        }

        if (options.KeepLast is < 1 or > 1000)
        {
            failures.Add($"Backup:KeepLast must be from 1 to 1000 backups (was {options.KeepLast}).");
        }

        if (options.KeepDays is < 1 or > 3650)
        {
            failures.Add($"Backup:KeepDays must be from 1 to 3650 days (was {options.KeepDays}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>One scheduled run: a new backup, then the old ones pruned. Audited either way.</summary>
internal sealed partial class ScheduledBackup(
    IOptions<BackupOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider clock,
    AuditLog audit,
    ILogger<ScheduledBackup> logger)
{
    /// <summary>Scheduled backups are named by their UTC start, so their order and age are read from the name alone.</summary>
    public const string Prefix = "alertpipeline-";

    private const string StampFormat = "yyyyMMdd-HHmmss";

    /// <summary>Makes one backup now and prunes; returns the new backup's folder and the folders removed.</summary>
    /// <exception cref="BackupException">The backup could not be written (the message names the folder).</exception>
    public (string Backup, IReadOnlyList<string> Removed) Run()
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var target = Path.Combine(settings.Directory, Prefix + now.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(settings.Directory);
        BackupManifest manifest;
        try
        {
            manifest = DataBackup.Create(storage.Value.FullDataDirectory, target, clock);
        }
        catch (Exception ex) when (ex is BackupException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            audit.Append("system", "system", AuditActions.Backup, detail: $"scheduled backup to {target} FAILED: {ex.Message}");
            LogFailed(ex, target);
            throw new BackupException($"scheduled backup to {target} failed: {ex.Message}");
        }

        var removed = Prune(settings, now, keep: target);
        audit.Append("system", "system", AuditActions.Backup,
            detail: $"scheduled backup to {target}: {manifest.Files.Count} files; removed {removed.Count} older backup(s) (Backup:KeepLast {settings.KeepLast}, KeepDays {settings.KeepDays})");
        LogDone(target, manifest.Files.Count, removed.Count);
        return (target, removed);
    }

    /// <summary>
    /// Removes scheduled backups beyond <see cref="BackupOptions.KeepLast"/> or older than <see cref="BackupOptions.KeepDays"/>,
    /// and folders left by interrupted runs. Only folders this schedule names are ever touched, and never the newest
    /// complete backup, whatever the settings.
    /// </summary>
    private static List<string> Prune(BackupOptions settings, DateTimeOffset now, string keep)
    {
        var complete = new List<(string Path, DateTimeOffset At)>();
        var removed = new List<string>();
        foreach (var folder in System.IO.Directory.GetDirectories(settings.Directory, Prefix + "*"))
        {
            var name = Path.GetFileName(folder);
            var partial = name.EndsWith(".partial", StringComparison.Ordinal);
            var stamp = partial ? name[Prefix.Length..^".partial".Length] : name[Prefix.Length..];
            if (!DateTime.TryParseExact(stamp, StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
            {
                continue; // not ours
            }

            if (partial)
            {
                removed.Add(Delete(folder));
            }
            else if (File.Exists(Path.Combine(folder, DataBackup.ManifestFile)))
            {
                complete.Add((folder, new DateTimeOffset(at, TimeSpan.Zero)));
            }
        }

        var newestFirst = complete.OrderByDescending(c => c.At).ToList();
        for (var i = 0; i < newestFirst.Count; i++)
        {
            var (folder, at) = newestFirst[i];
            if (i == 0 || string.Equals(folder, keep, StringComparison.Ordinal))
            {
                continue;
            }

            if (i >= settings.KeepLast || now - at > TimeSpan.FromDays(settings.KeepDays))
            {
                removed.Add(Delete(folder));
            }
        }

        return removed;
    }

    private static string Delete(string folder)
    {
        System.IO.Directory.Delete(folder, recursive: true);
        return folder;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled backup written to {Backup} ({Files} files); {Removed} older backup(s) removed")]
    private partial void LogDone(string backup, int files, int removed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled backup to {Backup} failed; the next scheduled run tries again")]
    private partial void LogFailed(Exception exception, string backup);
}

/// <summary>The Quartz job around <see cref="ScheduledBackup"/>: one at a time; a failure is logged and audited, and the next firing tries again.</summary>
[DisallowConcurrentExecution]
internal sealed class ScheduledBackupJob(ScheduledBackup backup) : IJob
{
    public static JobKey JobKey { get; } = new("scheduled-backup", "backup");

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            backup.Run();
        }
        catch (BackupException)
        {
            // Already logged and audited by Run; the service goes on and the next firing tries again.
        }

        return ValueTask.CompletedTask;
    }
}

internal static class BackupServices
{
    public static IServiceCollection AddScheduledBackup(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BackupOptions>().Bind(configuration.GetSection(BackupOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BackupOptions>, BackupOptionsValidator>();
        services.AddSingleton<ScheduledBackup>();
        return services;
    }

    /// <summary>Whether Quartz can read <paramref name="text"/> as a cron expression (its parser throws on anything else).</summary>
    public static bool IsCron(string text)
    {
        try
        {
            _ = new CronExpression(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The schedule, on the respond role's Quartz scheduler, when <c>Backup:Directory</c> is set.</summary>
    public static void ScheduleBackup(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var options = new BackupOptions();
        configuration.GetSection(BackupOptions.Section).Bind(options);
        if (options.Directory.Length == 0 || !BackupServices.IsCron(options.Cron))
        {
            return; // off, or refused by the validator with a clear message before the scheduler starts
        }

        var zone = SchoolHours.FindTimeZone(options.TimeZone) ?? TimeZoneInfo.Utc;
        quartz.ScheduleJob<ScheduledBackupJob>(
            t => t.WithIdentity("scheduled-backup", ScheduledBackupJob.JobKey.Group).WithCronSchedule(options.Cron, c => c.InTimeZone(zone)),
            j => j.WithIdentity(ScheduledBackupJob.JobKey));
    }
}
