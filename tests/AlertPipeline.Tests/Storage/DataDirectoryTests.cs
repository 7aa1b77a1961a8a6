using System.Diagnostics;
using System.Globalization;
using AlertPipeline.Hosting;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog.Events;

namespace AlertPipeline.Tests.Storage;

/// <summary>One process per role on a data directory; a store that vanished, was zeroed or is damaged is refused.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Serve_SecondProcessOnTheSameDataDirectory_RefusedNamingTheDirectoryAndTheHoldersPid()
    {
        await using var first = await TestHost.StartAsync(dataDirectory: _dir.Path);

        // A real second process, as an operator would start it.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "alertpipeline.dll"), "serve", "--data-dir", _dir.Path, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var second = Process.Start(start)!;
        var error = second.StandardError.ReadToEndAsync();
        Assert.True(second.WaitForExit(120_000), "the second process should exit by itself");

        Assert.Equal(2, second.ExitCode);
        var message = await error;
        Assert.Contains($"error: data directory {_dir.Path} is in use", message, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}"), message, StringComparison.Ordinal);
        Assert.Contains("Only one process may run", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_SameRoleTwiceOnOneDirectory_SecondRefusedAndFreedWhenTheFirstStops()
    {
        var first = await TestHost.StartAsync(dataDirectory: _dir.Path);
        var refused = Assert.Throws<DataDirectoryLockedException>(() => Build(HostRoles.Respond));
        Assert.Contains("the respond role is already run there", refused.Message, StringComparison.Ordinal);

        await first.DisposeAsync();
        await using var again = Build(HostRoles.Respond); // The lock goes with the process (or host) that held it.
    }

    [Fact]
    public void Build_KafkaDetectTwiceOnOneDirectory_BothRunAndSayTheyShare()
    {
        var (exclusive, shared) = DataDirectoryLock.Plan(ingest: false, detect: true, respond: false, kafka: true);
        Assert.Empty(exclusive);
        Assert.Contains(shared, s => s.StartsWith("detect (Kafka: other detect processes and the respond process share alerts.db", StringComparison.Ordinal));

        using var one = DataDirectoryLock.Acquire(_dir.Path, ingest: false, detect: true, respond: false, kafka: true, TimeProvider.System);
        using var two = DataDirectoryLock.Acquire(_dir.Path, ingest: false, detect: true, respond: true, kafka: true, TimeProvider.System);
        Assert.Equal(["respond"], two.Exclusive);
    }

    [Theory]
    [InlineData("alerts.db")]
    [InlineData("queue.db")]
    [InlineData("system.db")]
    [InlineData("audit.db")]
    public async Task Start_StoreZeroedAfterUse_RefusesNamingTheFile(string store)
    {
        await UseOnceAsync();
        var path = Path.Combine(_dir.Path, store);
        File.WriteAllBytes(path, []);
        DeleteSidecars(path);

        var refused = Assert.Throws<StoreUnusableException>(() => Build(HostRoles.All));

        Assert.Contains($"{path} is empty (0 bytes)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Restore", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(path).Length); // Not recreated.
    }

    [Fact]
    public async Task Start_StoreVanishedAfterUse_RefusesAndDoesNotRecreateIt()
    {
        await UseOnceAsync();
        var path = Path.Combine(_dir.Path, "alerts.db");
        File.Delete(path);
        DeleteSidecars(path);

        var (code, _, error) = await CliTests.RunAsync(["serve", "--data-dir", _dir.Path, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, code);
        Assert.Contains($"error: storage: {path} is missing, but this data directory held it before", error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Start_StoreWithADamagedPage_RefusesNamingTheFile()
    {
        await UseOnceAsync();
        var path = Path.Combine(_dir.Path, "alerts.db");
        DamageTable(path, "alerts");

        var (code, _, error) = await CliTests.RunAsync(["alerts", "list", "--data-dir", _dir.Path]);

        Assert.Equal(2, code);
        Assert.Contains($"error: storage: {path} is damaged", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EmptyDataDirectory_CreatesFreshStoresAndRemembersThem()
    {
        await using (var host = await TestHost.StartAsync(dataDirectory: _dir.Path))
        {
            Assert.True(File.Exists(Path.Combine(_dir.Path, "alerts.db")));
        }

        var recorded = File.ReadAllLines(Path.Combine(_dir.Path, StoreFiles.ManifestName));
        Assert.Superset(new HashSet<string> { "alerts.db", "queue.db", "system.db", "audit.db" }, recorded.ToHashSet());

        await using var again = await TestHost.StartAsync(dataDirectory: _dir.Path); // A normal restart is unaffected.
    }

    [Fact]
    public async Task Detection_AlertStoreDamagedWhileRunning_IngestAnswers503AndReadyIsUnhealthyAndITIsEmailed()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Watchdog:TechnicalContact"] = "it-oncall@northbridge.example",
            ["Watchdog:CheckInterval"] = "01:00:00", // The test runs the check itself.
        }, _dir.Path);
        host.UseKey("oakfield");
        await host.PostEventsAsync(Some.ConcerningEvent());
        await Eventually.TrueAsync(() => AlertCount(host) == 1, "the first alert to be stored");

        DamageTable(host.Alerts.Database.Path, "alerts");
        SqliteConnection.ClearAllPools(); // Idle pooled connections would otherwise answer from pages they cached before.

        // Accepted: nothing is known to be wrong yet. Detection then fails to store its alert, and says why.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await host.PostEventsAsync(Some.Event("i want to die", userLogin: "oak.y8.other"))).StatusCode);
        var refused = await Eventually.ReturnsAsync(() => host.PostEventsAsync(Some.Event()).GetAwaiter().GetResult(),
            r => r.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, "ingest to refuse events");
        Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("a store of the pipeline is damaged", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await host.App.Services.GetRequiredService<AlertPipeline.Watchdog.PipelineWatchdog>().CheckNowAsync();
        var ready = await host.Http.GetAsync("/health/ready");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var text = await ready.Content.ReadAsStringAsync();
        Assert.Contains("\"name\":\"stores\",\"status\":\"unhealthy\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("alerts.db", text, StringComparison.Ordinal); // The reason is for signed-in staff (ADR 0021).
        Assert.Contains("alerts.db", (await host.HealthAsync("/health/ready")).ToJsonString(), StringComparison.Ordinal);
        var mail = Directory.GetFiles(host.OutboxDirectory, "wd_stores_*.eml").Select(ReceivedMail.Load).Single();
        Assert.Equal("it-oncall@northbridge.example", mail.To);
    }

    [Fact]
    public async Task Start_LargeStoreWithADamagedPage_StartsThenFlagsItFromTheBackgroundCheckAndIngestAnswers503()
    {
        await UseOnceAsync();
        var path = Path.Combine(_dir.Path, "alerts.db");
        Pad(path);

        // A page nothing reads at start (damage in the alerts table itself stops the host at start, when its hosted
        // services first read it): only the background check can find this one before it costs an alert.
        DamageTable(path, "padding");
        Assert.True(new FileInfo(path).Length > StoreFiles.FullCheckAtStartLimit);

        await using var host = await TestHost.StartAsync(dataDirectory: _dir.Path);
        host.UseKey("oakfield");
        var refused = await Eventually.ReturnsAsync(() => host.PostEventsAsync(Some.Event()).GetAwaiter().GetResult(),
            r => r.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, "the background check to flag alerts.db");
        Assert.Contains("a store of the pipeline is damaged", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await host.App.Services.GetRequiredService<AlertPipeline.Watchdog.PipelineWatchdog>().CheckNowAsync();
        Assert.Contains("alerts.db: quick_check after start", (await host.HealthAsync()).ToJsonString(), StringComparison.Ordinal);
    }

    // Damage in a large store's alerts table stops the host while it starts (its services read that table), and the
    // host itself reports only "A task was canceled": the command once said "unexpected failure" and nothing more.
    [Fact]
    public async Task Serve_LargeStoreDamagedWhereStartReadsIt_RefusesNamingTheFile()
    {
        await UseOnceAsync();
        var path = Path.Combine(_dir.Path, "alerts.db");
        Pad(path);
        DamageTable(path, "alerts");

        var (code, _, error) = await CliTests.RunAsync(["serve", "--data-dir", _dir.Path, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, code);
        Assert.Contains("error: a store is damaged: alerts.db", error, StringComparison.Ordinal);
        Assert.Contains("alertpipeline restore", error, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected failure", error, StringComparison.Ordinal);
    }

    // A service that fails just after start stops the host too; serve once exited 0 then, as if asked to stop, and
    // whether a damaged store fails its reader inside start or just after it is only timing (CI saw the latter).
    [Fact]
    public async Task Serve_ServiceFailsAfterStartOnADamagedStore_ExitsNamingTheFile()
    {
        await UseOnceAsync();
        var path = Path.Combine(_dir.Path, "alerts.db");
        Pad(path);
        DamageTable(path, "padding");
        using var output = new StringWriter();

        var failure = await Assert.ThrowsAsync<StoreUnusableException>(() => AlertPipeline.Hosting.ServeCommand.RunAsync(
            ["--data-dir", _dir.Path, "--urls", "http://127.0.0.1:0"], output, s => s.AddHostedService<FailsAfterStart>()));

        Assert.Contains("a store is damaged", failure.Message, StringComparison.Ordinal);
        Assert.Contains("alerts.db", failure.Message, StringComparison.Ordinal);
        Assert.Contains("the host stopped", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ServiceFailsAfterStartStoresSound_ExitsNamingTheService()
    {
        await UseOnceAsync();
        using var output = new StringWriter();

        var failure = await Assert.ThrowsAsync<AlertPipeline.Hosting.ServiceFailedException>(() => AlertPipeline.Hosting.ServeCommand.RunAsync(
            ["--data-dir", _dir.Path, "--urls", "http://127.0.0.1:0"], output, s => s.AddHostedService<FailsAfterStart>()));

        Assert.Contains("FailsAfterStart failed and stopped the host: disk gone", failure.Message, StringComparison.Ordinal);
    }

    private sealed class FailsAfterStart(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var started = new TaskCompletionSource();
            using (lifetime.ApplicationStarted.Register(started.SetResult))
            {
                await started.Task.WaitAsync(stoppingToken);
            }

            throw new IOException("disk gone");
        }
    }

    /// <summary>Grows a store past the size checked before start (64 MiB): a store this big is checked in the background instead.</summary>
    private static void Pad(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE padding (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70) INSERT INTO padding SELECT zeroblob(1048576) FROM n;";
        command.ExecuteNonQuery();
    }

    /// <summary>Overwrites the root page of a table with garbage, as a torn write or a bad disk would.</summary>
    internal static void DamageTable(string path, string table)
    {
        long root, pageSize;
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // A running host's short reads can make a checkpoint give up (busy = 1); the page must be on disk, not in the WAL.
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            for (var tries = 0; tries < 100; tries++)
            {
                using var reader = command.ExecuteReader();
                reader.Read();
                if (reader.GetInt64(0) == 0 && reader.GetInt64(1) <= 0)
                {
                    break;
                }

                Thread.Sleep(50);
            }

            command.CommandText = $"SELECT rootpage FROM sqlite_schema WHERE name = '{table}'";
            root = (long)command.ExecuteScalar()!;
            command.CommandText = "PRAGMA page_size";
            pageSize = (long)command.ExecuteScalar()!;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Position = (root - 1) * pageSize;
        file.Write(Enumerable.Repeat((byte)0xA5, (int)pageSize).ToArray());
        file.Flush(flushToDisk: true);
    }

    private async Task UseOnceAsync()
    {
        await using var host = await TestHost.StartAsync(dataDirectory: _dir.Path);
        host.UseKey("oakfield");
        await host.PostEventsAsync(Some.ConcerningEvent());
        await Eventually.TrueAsync(() => host.Alerts.Database.Path.Length > 0 && AlertCount(host) == 1, "the alert to be stored");
    }

    private static long AlertCount(TestHost host)
    {
        using var connection = host.Alerts.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM alerts";
        return (long)command.ExecuteScalar()!;
    }

    private static void DeleteSidecars(string path)
    {
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
    }

    private WebApplication Build(HostRoles roles) => PipelineHost.Build(new HostSettings
    {
        Overrides = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _dir.Path,
            ["Detection:KeywordsDirectory"] = Path.Combine(AppContext.BaseDirectory, "seeds", "keywords"),
        },
        Urls = "http://127.0.0.1:0",
        ConsoleLogLevel = LogEventLevel.Warning,
        Roles = roles,
    });
}
