using AlertPipeline.Checks;
using AlertPipeline.Reports.AnnualReview;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Checks;

/// <summary>
/// On a trust (<c>Storage:Provider=postgres</c>) the log of checks and the risk profiles are one record for every
/// machine: before, each host kept its own checks.db and review.db in its data directory, so a check recorded on one
/// responder (or by the scheduled check wherever it ran) was missing from the console and the annual review served by
/// another. Two real hosts, each with its own data directory, against one real PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedCheckStoresTests(PostgresCluster cluster) : IDisposable
{
    private static readonly DateTimeOffset October = new(2026, 10, 5, 8, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string?> Trust(string connectionString) => new()
    {
        ["Storage:Provider"] = "postgres",
        ["Storage:ConnectionString"] = connectionString,
    };

    [Fact]
    public async Task CheckAndRiskProfile_RecordedOnOneHost_SeenByTheOtherHostAndItsAnnualReview()
    {
        var connectionString = await cluster.CreateDatabaseAsync("sharedchecks");
        await using var first = await TestHost.StartAsync(Trust(connectionString), Path.Combine(_dir.Path, "machine-1"));
        await using var second = await TestHost.StartAsync(Trust(connectionString), Path.Combine(_dir.Path, "machine-2"));

        var id = first.App.Services.GetRequiredService<CheckLog>().Record(
            new CheckEntry(0, "oakfield", October, "schedule", CheckKinds.Automatic, "end-to-end check", CheckResults.Failed, "", TimeSpan.FromSeconds(3))
            {
                Steps = [new CheckStep("suicide", "ev-1", "al-1", true, TimeSpan.FromSeconds(1), false, null, "refused by the mail server")],
            });
        first.App.Services.GetRequiredService<RiskProfileStore>().Save("oakfield",
            new RiskProfileOptions { AgeRange = "11-16", Send = "12%", Eal = "8%", LocalRisks = "county lines" }, October, "a.patel");

        var log = second.App.Services.GetRequiredService<CheckLog>();
        var seen = log.Get(Assert.Single(log.List(["oakfield"])).Id)!;
        Assert.Equal((id, CheckResults.Failed, "refused by the mail server"), (seen.Id, seen.Result, Assert.Single(seen.Steps).Detail));
        Assert.Equal("11-16", second.App.Services.GetRequiredService<RiskProfileStore>().Latest("oakfield")?.Profile.AgeRange);

        var review = second.App.Services.GetRequiredService<AnnualReviewBuilder>().Build("oakfield", new AcademicYear(2026));
        var checks = review.Sections.Single(s => s.Title == "Log of checks");
        Assert.StartsWith("1 checks were recorded in the year: 0 by staff in the console and 1 automatic end-to-end checks, of which 1 did not pass.",
            checks.Paragraphs[0], StringComparison.Ordinal);
        var latest = checks.Tables.Single(t => t.Id == "latest-check-by-category");
        Assert.Equal(["Suicide", "Oakfield Academy", "2026-10-05", "yes", "1.00", "no", "–"], Assert.Single(latest.Rows));
        var profile = review.Sections.Single(s => s.Title == "The school's risk profile").Tables.Single();
        Assert.Contains(profile.Rows, r => r[1] == "Known local risks" && r[2] == "county lines" && r[3] == "a.patel, 2026-10-05");

        // Neither machine keeps a copy of its own.
        Assert.False(File.Exists(Path.Combine(_dir.Path, "machine-1", "checks.db")));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "machine-2", "review.db")));
    }

    [Fact]
    public async Task Console_CheckAndRiskProfileSavedOnOneMachine_ShownByTheConsoleOnAnother()
    {
        var connectionString = await cluster.CreateDatabaseAsync("sharedconsole");
        await using var first = await TestHost.StartAsync(Trust(connectionString), Path.Combine(_dir.Path, "machine-1"));
        await using var second = await TestHost.StartAsync(Trust(connectionString), Path.Combine(_dir.Path, "machine-2"));
        ConsoleSession.CreateUser(first, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using var here = await ConsoleSession.SignInAsync(first, "dsl.oak", ConsoleSession.Password);
        using var there = await ConsoleSession.SignInAsync(second, "dsl.oak", ConsoleSession.Password);

        var recorded = await here.Http.PostAsync("/checks", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["school"] = "oakfield",
            ["when"] = "2026-10-05T09:30",
            ["tested"] = "visited the filter test site from the library PCs",
            ["result"] = CheckResults.Passed,
            ["action"] = "none needed",
            ["__RequestVerificationToken"] = ConsoleSession.FormToken(await here.Http.GetStringAsync("/checks")),
        }));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, recorded.StatusCode);
        var saved = await here.Http.PostAsync("/reports/risk-profile", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["school"] = "oakfield",
            ["ageRange"] = "11-16",
            ["send"] = "12%",
            ["eal"] = "8%",
            ["localRisks"] = "county lines near the bus station",
            ["__RequestVerificationToken"] = ConsoleSession.FormToken(await here.Http.GetStringAsync("/reports/risk-profile?school=oakfield")),
        }));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, saved.StatusCode);

        Assert.Contains("visited the filter test site from the library PCs", await there.Http.GetStringAsync("/checks"), StringComparison.Ordinal);
        Assert.Contains("county lines near the bus station", await there.Http.GetStringAsync("/reports/risk-profile?school=oakfield"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_Postgres_ReportsTheLogOfChecksAndRiskProfilesThere()
    {
        var connectionString = await cluster.CreateDatabaseAsync("migratechecks");
        var config = await TrustConfigFile.WriteAsync(_dir.Path, connectionString);

        for (var run = 0; run < 2; run++)
        {
            var (exit, output, error) = await CliTests.RunAsync(["migrate", "--config", config, "--data-dir", Path.Combine(_dir.Path, "data")]);
            Assert.True(exit == 0, error);
            Assert.Matches(@"log of checks: schema version 2 \(PostgreSQL [^)]+\); risk profiles: 1 \(PostgreSQL [^)]+\)\.", output);
        }

        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var stores = connection.Command("SELECT store || ':' || version FROM schema_migrations WHERE store IN ('checks', 'risk-profiles') ORDER BY store, version")
            .Rows(r => r.GetString(0));
        Assert.Equal("checks:1,checks:2,risk-profiles:1", string.Join(',', stores));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "data", "checks.db")));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "data", "review.db")));
    }
}

/// <summary>checks.db and review.db written by releases before numbered migrations are adopted in place, rows intact, and backed up.</summary>
public sealed class CheckStoresAdoptionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private void Old(string file, string sql)
    {
        using var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, file)};Pooling=False");
        old.Open();
        old.Command(sql).Run();
    }

    [Fact]
    public async Task Open_FilesFromBeforeNumberedMigrations_RowsKeptAppendOnlyAddedAndBackedUp()
    {
        // The statements every earlier release ran (CheckLog and RiskProfileStore before ADR 0028), and a row each.
        Old("checks.db", """
            CREATE TABLE IF NOT EXISTS checks (
                id INTEGER PRIMARY KEY AUTOINCREMENT, school_id TEXT NOT NULL, at INTEGER NOT NULL, by TEXT NOT NULL, kind TEXT NOT NULL,
                tested TEXT NOT NULL, result TEXT NOT NULL, action TEXT NOT NULL DEFAULT '', took_ms INTEGER);
            CREATE INDEX IF NOT EXISTS checks_by_school_time ON checks(school_id, at);
            CREATE TABLE IF NOT EXISTS check_steps (
                check_id INTEGER NOT NULL REFERENCES checks(id), category TEXT NOT NULL, event_id TEXT NOT NULL, alert_id TEXT,
                stored INTEGER NOT NULL, stored_ms INTEGER, notified INTEGER NOT NULL, notified_ms INTEGER, detail TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (check_id, category));
            INSERT INTO checks(school_id, at, by, kind, tested, result, action, took_ms)
                VALUES ('oakfield', 1790000000000, 'schedule', 'automatic', 'end-to-end check', 'passed', '', 4200);
            INSERT INTO check_steps VALUES (1, 'suicide', 'ev-1', 'al-1', 1, 900, 1, 2500, 'delivered');
            """);
        Old("review.db", """
            CREATE TABLE IF NOT EXISTS risk_profiles (
                id INTEGER PRIMARY KEY AUTOINCREMENT, school_id TEXT NOT NULL, age_range TEXT NOT NULL, send TEXT NOT NULL, eal TEXT NOT NULL,
                local_risks TEXT NOT NULL, updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS risk_profiles_by_school ON risk_profiles(school_id, id);
            INSERT INTO risk_profiles(school_id, age_range, send, eal, local_risks, updated_at, updated_by)
                VALUES ('oakfield', '11-16', '12%', '8%', 'county lines', 1790000000000, 'a.patel');
            """);

        var stores = TestStores.For(_dir.Path);
        var log = new CheckLog(stores, TimeProvider.System);
        var profiles = new RiskProfileStore(stores, TimeProvider.System);

        Assert.Equal((2, 1), (log.SchemaVersion, profiles.SchemaVersion));
        var old = log.Get(1)!;
        Assert.Equal(("oakfield", DateTimeOffset.FromUnixTimeMilliseconds(1790000000000), TimeSpan.FromMilliseconds(4200)), (old.SchoolId, old.At, old.Took));
        Assert.Equal(new CheckStep("suicide", "ev-1", "al-1", true, TimeSpan.FromMilliseconds(900), true, TimeSpan.FromMilliseconds(2500), "delivered"), Assert.Single(old.Steps));
        Assert.Equal(("11-16", "a.patel"), (profiles.Latest("oakfield")!.Profile.AgeRange, profiles.Latest("oakfield")!.UpdatedBy));
        var added = log.Record(new CheckEntry(0, "oakfield", DateTimeOffset.UnixEpoch.AddYears(57), "a.patel", CheckKinds.Manual, "by hand", CheckResults.Passed, "", null));
        Assert.Equal(2, added);

        // The adopted file is append-only from now on, as a new one is.
        using (var connection = log.Store.Open())
        {
            var error = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => connection.Command("DELETE FROM checks WHERE id = 1").Run());
            Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        }

        // backup still copies both files, with their rows.
        var backup = Path.Combine(_dir.Path, "..", Path.GetFileName(_dir.Path) + "-backup");
        try
        {
            var (code, output, error) = await Cli.CliTests.RunAsync(["backup", "--data-dir", _dir.Path, "--out", backup]);
            Assert.True(code == 0, error + output);
            long Count(string file, string table)
            {
                using var copy = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Directory.GetFiles(backup, file, SearchOption.AllDirectories).Single()};Mode=ReadOnly;Pooling=False");
                copy.Open();
                return copy.Command($"SELECT COUNT(*) FROM {table}").Long();
            }

            Assert.Equal((2L, 1L, 1L), (Count("checks.db", "checks"), Count("checks.db", "check_steps"), Count("review.db", "risk_profiles")));
        }
        finally
        {
            if (Directory.Exists(backup))
            {
                Directory.Delete(backup, recursive: true);
            }
        }
    }
}
