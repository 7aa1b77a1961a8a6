using AlertPipeline.Audit;
using AlertPipeline.Backup;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Backup;

/// <summary>Backup while the host takes events, restore into an empty directory, and a host on it that has everything.</summary>
public sealed class BackupTests
{
    [Fact]
    public async Task Backup_WhileEventsArrive_RestoredHostShowsEveryAlertAndSignsInTheSameAccounts()
    {
        using var work = new TempDirectory();
        var backup = Path.Combine(work.Path, "backup");
        var restored = Path.Combine(work.Path, "restored");
        HashSet<string> before, after;
        await using (var host = await TestHost.StartAsync())
        {
            host.UseKey();
            ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
            using var load = new CancellationTokenSource();
            var sent = 0;
            var posting = Task.Run(async () =>
            {
                while (!load.IsCancellationRequested)
                {
                    // A different pupil each time: one alert per event, not one grouped alert with a count.
                    var batch = Enumerable.Range(0, 20).Select(_ => Some.Event("i want to die", userLogin: $"oak.p{Interlocked.Increment(ref sent)}")).ToArray();
                    Assert.True((await host.PostEventsAsync(batch)).IsSuccessStatusCode);
                }
            });
            before = await Eventually.ReturnsAsync(() => host.Alerts.List(new() { Limit = 100_000 }).Select(a => a.AlertId).ToHashSet(), a => a.Count >= 40, "alerts before the backup");

            var (code, output, error) = await CliTests.RunAsync(["backup", "--data-dir", host.DataDirectory, "--out", backup]);

            var alertsWhenBackupEnded = host.Alerts.Count();
            await Eventually.TrueAsync(() => host.Alerts.Count() > alertsWhenBackupEnded, "alerts after the backup: the load kept going throughout");
            await load.CancelAsync();
            await posting;
            Assert.True(code == 0, error);
            Assert.Contains($"Backed up {host.DataDirectory} to {backup}", output, StringComparison.Ordinal);
            after = await Eventually.ReturnsAsync(() => host.Alerts.List(new() { Limit = 100_000 }).Select(a => a.AlertId).ToHashSet(), a => a.Count >= sent, "every posted event's alert");
        }

        var (restoreCode, _, restoreError) = await CliTests.RunAsync(["restore", "--from", backup, "--data-dir", restored]);
        Assert.True(restoreCode == 0, restoreError);

        await using var second = await TestHost.StartAsync(dataDirectory: restored);
        // The backup also holds events accepted but not yet judged: the restored host judges them first.
        await Eventually.TrueAsync(() => second.App.Services.GetRequiredService<AlertPipeline.Queue.SqliteEventQueue>().Backlog == 0, "the restored queue to be drained");
        var shown = second.Alerts.List(new() { Limit = 100_000 }).Select(a => a.AlertId).ToHashSet();
        Assert.Superset(before, shown);   // everything stored before the backup began
        Assert.Subset(after, shown);      // and nothing that never existed
        Assert.Null(second.App.Services.GetRequiredService<AuditLog>().Verify()); // the hash chain survived whole

        // The restored account signs in (system.db) and its session cookie is accepted (keys/), and sees the alerts.
        using var dsl = await ConsoleSession.SignInAsync(second, "dsl.oak", ConsoleSession.Password);
        // The queue is paged (newest first), so check the total and open one alert stored before the backup.
        using var page = await dsl.Http.GetAsync("/api/v1/alerts");
        Assert.Equal(shown.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(page.Headers.GetValues("X-Total-Count")));
        var first = before.Order(StringComparer.Ordinal).First();
        var detail = await dsl.Http.GetStringAsync($"/api/v1/alerts/{first}");
        Assert.Contains(first, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_IntoDirectoryWithFiles_RefusesAndTouchesNothing()
    {
        using var work = new TempDirectory();
        await using (var host = await TestHost.StartAsync(dataDirectory: Path.Combine(work.Path, "data")))
        {
            Assert.Equal(0, (await CliTests.RunAsync(["backup", "--data-dir", host.DataDirectory, "--out", Path.Combine(work.Path, "backup")])).Code);
        }

        var occupied = Path.Combine(work.Path, "occupied");
        Directory.CreateDirectory(occupied);
        File.WriteAllText(Path.Combine(occupied, "alerts.db"), "someone's live data");

        var (code, _, error) = await CliTests.RunAsync(["restore", "--from", Path.Combine(work.Path, "backup"), "--data-dir", occupied]);

        Assert.Equal(2, code);
        Assert.Contains($"error: restore: data directory '{occupied}' is not empty", error, StringComparison.Ordinal);
        Assert.Equal("someone's live data", File.ReadAllText(Path.Combine(occupied, "alerts.db")));
        Assert.Single(Directory.GetFiles(occupied));
    }

    [Fact]
    public async Task Restore_DamagedFile_NamesItAndWritesNothing()
    {
        using var work = new TempDirectory();
        var backup = Path.Combine(work.Path, "backup");
        await using (var host = await TestHost.StartAsync(dataDirectory: Path.Combine(work.Path, "data")))
        {
            Assert.Equal(0, (await CliTests.RunAsync(["backup", "--data-dir", host.DataDirectory, "--out", backup])).Code);
        }

        var audit = Path.Combine(backup, "audit.db");
        var bytes = File.ReadAllBytes(audit);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(audit, bytes);
        var target = Path.Combine(work.Path, "restored");

        var (code, _, error) = await CliTests.RunAsync(["restore", "--from", backup, "--data-dir", target]);

        Assert.Equal(2, code);
        Assert.Contains("error: restore: backup is damaged: audit.db does not match its checksum in manifest.json", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Backup_IntoNonEmptyDirectory_RefusesWithTheReason()
    {
        using var work = new TempDirectory();
        await using var host = await TestHost.StartAsync(dataDirectory: Path.Combine(work.Path, "data"));
        var target = Path.Combine(work.Path, "taken");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "x"), "x");

        var (code, _, error) = await CliTests.RunAsync(["backup", "--data-dir", host.DataDirectory, "--out", target]);

        Assert.Equal(2, code);
        Assert.Contains($"error: backup: backup directory '{target}' is not empty: name a new one", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ManifestNamesFileOutsideTheBackup_Refuses()
    {
        using var work = new TempDirectory();
        File.WriteAllText(Path.Combine(work.Path, DataBackup.ManifestFile),
            """{"version":"x","createdAt":"2026-12-05T00:00:00Z","dataDirectory":"/d","files":[{"path":"../../etc/passwd","bytes":1,"sha256":"00"}]}""");

        var ex = Assert.Throws<BackupException>(() => DataBackup.Verify(work.Path));

        Assert.Contains("names '../../etc/passwd', outside the backup", ex.Message, StringComparison.Ordinal);
    }
}
