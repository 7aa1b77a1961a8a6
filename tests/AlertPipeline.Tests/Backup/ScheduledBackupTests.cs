using AlertPipeline.Audit;
using AlertPipeline.Backup;
using AlertPipeline.Retention;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Backup;

/// <summary>The built-in backup schedule (section <c>Backup</c>) and the outbox's retention.</summary>
public sealed class ScheduledBackupTests
{
    [Fact]
    public async Task Schedule_InTheRunningHost_WritesRestorableBackupsAndKeepsOnlyKeepLast()
    {
        using var work = new TempDirectory();
        var backups = Path.Combine(work.Path, "backups");
        var restored = Path.Combine(work.Path, "restored");
        await using (var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Backup:Directory"] = backups,
            ["Backup:Cron"] = "0/1 * * * * ?", // every second: the real Quartz trigger, not a hand-called method
            ["Backup:KeepLast"] = "2",
        }))
        {
            host.UseKey();
            await host.PostEventsAsync(Some.Event("i want to die", userLogin: "oak.scheduled"));
            await Eventually.TrueAsync(() => host.Alerts.Count() >= 1, "the alert stored");

            // Three runs after the alert exists: the schedule keeps going, and pruning has had something to remove.
            await Eventually.TrueAsync(() => Audited(host).Count(d => d.Contains("removed 1 older backup(s)", StringComparison.Ordinal)) >= 2,
                "scheduled backups that pruned", TimeSpan.FromSeconds(60));
        }

        var complete = Directory.GetDirectories(backups, ScheduledBackup.Prefix + "*").Where(d => File.Exists(Path.Combine(d, DataBackup.ManifestFile))).Order(StringComparer.Ordinal).ToList();
        Assert.InRange(complete.Count, 1, 2);
        var (code, _, error) = await CliTests.RunAsync(["restore", "--from", complete[^1], "--data-dir", restored]);
        Assert.True(code == 0, error);
        await using var again = await TestHost.StartAsync(dataDirectory: restored);
        Assert.Contains(again.Alerts.List(new() { Limit = 1000 }), a => a.UserLogin == "oak.scheduled");
    }

    [Fact]
    public void Run_KeepLastAndKeepDays_RemovesOnlyOldScheduledBackupsAndNeverTheNewest()
    {
        using var work = new TempDirectory();
        var data = Path.Combine(work.Path, "data");
        var backups = Path.Combine(work.Path, "backups");
        Directory.CreateDirectory(data);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "alerts.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE t(x); INSERT INTO t VALUES (1);";
            command.ExecuteNonQuery();
        }

        Directory.CreateDirectory(Path.Combine(backups, "alertpipeline-notes")); // not a stamp: not ours
        Directory.CreateDirectory(Path.Combine(backups, "weekly-offsite"));
        Directory.CreateDirectory(Path.Combine(backups, "alertpipeline-20261101-020000.partial")); // an interrupted run
        var clock = new FakeClock(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
        using var audit = new AuditLogFile(work.Path);
        var backup = new ScheduledBackup(
            Options.Create(new BackupOptions { Directory = backups, KeepLast = 3, KeepDays = 30 }),
            Options.Create(new StorageOptions { DataDirectory = data }), clock, audit.Log, NullLogger<ScheduledBackup>.Instance);

        for (var day = 0; day < 5; day++)
        {
            backup.Run();
            clock.Advance(TimeSpan.FromDays(1));
        }

        Assert.Equal(["alertpipeline-20261203-020000", "alertpipeline-20261204-020000", "alertpipeline-20261205-020000"], Scheduled(backups));
        Assert.True(Directory.Exists(Path.Combine(backups, "alertpipeline-notes")));
        Assert.True(Directory.Exists(Path.Combine(backups, "weekly-offsite")));

        clock.Advance(TimeSpan.FromDays(40));
        var (newest, removed) = backup.Run();

        Assert.Equal(3, removed.Count);
        Assert.Equal([Path.GetFileName(newest)], Scheduled(backups));
    }

    [Fact]
    public void Validate_BadBackupSettings_NamesEachKeyAndValue()
    {
        using var work = new TempDirectory();
        var storage = Options.Create(new StorageOptions { DataDirectory = work.Path });
        var validator = new BackupOptionsValidator(storage);

        var text = string.Join("\n", validator.Validate(null, new BackupOptions { Directory = "backups", Cron = "at two", TimeZone = "Mars/Base", KeepLast = 0, KeepDays = 0 }).Failures!);
        var inside = string.Join("\n", validator.Validate(null, new BackupOptions { Directory = Path.Combine(work.Path, "backups") }).Failures!);

        Assert.Contains("Backup:Directory must be an absolute path such as /srv/backups/alertpipeline (was 'backups')", text, StringComparison.Ordinal);
        Assert.Contains("Backup:Cron must be a Quartz cron expression with seconds first, such as '0 0 2 * * ?' for 02:00 daily (was 'at two')", text, StringComparison.Ordinal);
        Assert.Contains("Backup:TimeZone must be a time zone id such as Europe/London (was 'Mars/Base')", text, StringComparison.Ordinal);
        Assert.Contains("Backup:KeepLast must be from 1 to 1000 backups (was 0)", text, StringComparison.Ordinal);
        Assert.Contains("Backup:KeepDays must be from 1 to 3650 days (was 0)", text, StringComparison.Ordinal);
        Assert.Contains("Backup:Directory must be outside the data directory", inside, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_OutboxEmlOlderThanOutboxDays_DeletedAndAuditedNewerKept()
    {
        using var work = new TempDirectory();
        await using (var host = await TestHost.StartAsync(dataDirectory: work.Path))
        {
        }

        var outbox = Path.Combine(work.Path, "outbox");
        Directory.CreateDirectory(outbox);
        var old = Path.Combine(outbox, "n-old.eml");
        var recent = Path.Combine(outbox, "n-recent.eml");
        File.WriteAllText(old, "Subject: urgent alert for oak.p1");
        File.WriteAllText(recent, "Subject: urgent alert for oak.p2");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-11));
        File.SetLastWriteTimeUtc(recent, DateTime.UtcNow.AddDays(-9));

        // A school's configuration with Retention:OutboxDays 10 (a file, not an environment variable, which would reach
        // every test running beside this one).
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Installation.ReleaseProcess.RepositoryRoot, "deploy", "examples", "one-school.json")))!;
        json["Retention"] = new System.Text.Json.Nodes.JsonObject { ["OutboxDays"] = 10 };
        var config = Path.Combine(work.Path, "school.json");
        File.WriteAllText(config, json.ToJsonString());

        var (dryCode, dry, _) = await CliTests.RunAsync(["retention", "--dry-run", "--config", config, "--data-dir", work.Path]);
        Assert.Equal(0, dryCode);
        Assert.Contains("would delete 1 outbox .eml file(s) (over 10 days)", dry, StringComparison.Ordinal);
        Assert.True(File.Exists(old));

        var (code, output, error) = await CliTests.RunAsync(["retention", "--config", config, "--data-dir", work.Path]);

        Assert.True(code == 0, error);
        Assert.Contains("deleted 1 outbox .eml file(s) (over 10 days)", output, StringComparison.Ordinal);
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
    }

    private static List<string> Scheduled(string backups) =>
        [.. Directory.GetDirectories(backups).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.StartsWith(ScheduledBackup.Prefix, StringComparison.Ordinal) && n != "alertpipeline-notes").Order(StringComparer.Ordinal)];

    private static List<string> Audited(TestHost host) =>
        [.. host.App.Services.GetRequiredService<AuditLog>().Read().Where(e => e.Action == AuditActions.Backup).Select(e => e.Detail ?? "")];

    /// <summary>A real audit log in its own folder, for constructing the backup without a host.</summary>
    private sealed class AuditLogFile : IDisposable
    {
        private readonly ServiceProvider _services;

        public AuditLogFile(string directory)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(directory, "auditdata") }).Build();
            var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddSingleton(TimeProvider.System);
            services.AddStorage(configuration);
            AlertPipeline.Users.UserServices.AddUserAccounts(services, configuration);
            _services = services.BuildServiceProvider();
            Log = _services.GetRequiredService<AuditLog>();
        }

        public AuditLog Log { get; }

        public void Dispose() => _services.Dispose();
    }
}
