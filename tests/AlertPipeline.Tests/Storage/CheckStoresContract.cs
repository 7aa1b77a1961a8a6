using AlertPipeline.Checks;
using AlertPipeline.Reports.AnnualReview;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Storage;

/// <summary>
/// What the log of checks and the risk profiles must do, written once and run against each provider: a real SQLite
/// data directory and a real PostgreSQL. Each <see cref="Stores"/> call stands for another process (on PostgreSQL
/// another machine, with its own connections and its own empty data directory).
/// </summary>
public abstract class CheckStoresContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Monday = new(2026, 10, 5, 8, 0, 0, TimeSpan.Zero);

    private protected abstract RelationalStores Stores();

    private protected abstract Type EngineError { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private CheckLog Checks() => new(Stores(), TimeProvider.System);

    private RiskProfileStore Profiles() => new(Stores(), TimeProvider.System);

    private static CheckEntry Automatic(string school, DateTimeOffset at, string result, params CheckStep[] steps) =>
        new(0, school, at, "schedule", CheckKinds.Automatic, "end-to-end check", result, "", TimeSpan.FromSeconds(4)) { Steps = steps };

    private static CheckStep Step(string category, bool notified, int notifiedMs = 2500) =>
        new(category, "ev-" + category, "al-" + category, true, TimeSpan.FromMilliseconds(900), notified, notified ? TimeSpan.FromMilliseconds(notifiedMs) : null,
            notified ? "delivered" : "refused by the mail server");

    [Fact]
    public void Record_CheckWithStepsByOneProcess_ReadByAnotherWithEveryField()
    {
        var id = Checks().Record(Automatic("oakfield", Monday, CheckResults.Partly, Step("suicide", true), Step("bullying", false)));
        var manual = Checks().Record(new CheckEntry(0, "oakfield", Monday.AddHours(1), "a.patel", CheckKinds.Manual, "visited the test site", CheckResults.Passed,
            "none needed", null));

        var console = Checks();
        var entry = console.Get(id)!;
        Assert.Equal(("oakfield", Monday, "schedule", CheckKinds.Automatic, CheckResults.Partly, TimeSpan.FromSeconds(4)),
            (entry.SchoolId, entry.At, entry.By, entry.Kind, entry.Result, entry.Took));
        Assert.Equal([Step("bullying", false), Step("suicide", true)], entry.Steps);
        var byHand = console.Get(manual)!;
        Assert.Equal(("a.patel", "visited the test site", "none needed", (TimeSpan?)null), (byHand.By, byHand.Tested, byHand.Action, byHand.Took));
        Assert.Empty(byHand.Steps);
        Assert.Null(console.Get(manual + 1000));
        Assert.Equal(Monday, console.LastAutomatic("oakfield"));
        Assert.Null(console.LastAutomatic("riverside"));
    }

    [Fact]
    public void List_SeveralSchoolsAndTimes_NewestFirstFilteredBySchoolAndTime()
    {
        Checks().Record(Automatic("oakfield", Monday, CheckResults.Passed, Step("suicide", true)));
        Checks().Record(Automatic("riverside", Monday.AddDays(1), CheckResults.Passed, Step("suicide", true)));
        Checks().Record(Automatic("oakfield", Monday.AddDays(2), CheckResults.Failed, Step("suicide", false)));
        Checks().Record(Automatic("hillside", Monday.AddDays(3), CheckResults.Passed, Step("suicide", true)));

        var log = Checks();
        string Listed(IReadOnlyList<string>? schools, DateTimeOffset? from = null, DateTimeOffset? to = null, int limit = 200) =>
            string.Join(',', log.List(schools, from, to, limit).Select(c => $"{c.SchoolId}@{(c.At - Monday).TotalDays}"));

        Assert.Equal("hillside@3,oakfield@2,riverside@1,oakfield@0", Listed(null));
        Assert.Equal("oakfield@2,oakfield@0", Listed(["oakfield"]));
        Assert.Equal("hillside@3,oakfield@2,oakfield@0", Listed(["oakfield", "hillside"]));
        Assert.Equal("", Listed([]));
        Assert.Equal("oakfield@2,riverside@1", Listed(null, Monday.AddDays(1), Monday.AddDays(3)));
        Assert.Equal("hillside@3,oakfield@2", Listed(null, limit: 2));
    }

    [Fact]
    public void LatestPerCategory_ChecksOverTime_LatestBeforeTheDatePerSchoolAndCategory()
    {
        Checks().Record(Automatic("oakfield", Monday, CheckResults.Passed, Step("suicide", true, 1000), Step("bullying", true, 1100)));
        Checks().Record(Automatic("oakfield", Monday.AddDays(7), CheckResults.Failed, Step("suicide", false)));
        Checks().Record(Automatic("riverside", Monday.AddDays(1), CheckResults.Passed, Step("suicide", true, 3000)));
        Checks().Record(new CheckEntry(0, "oakfield", Monday.AddDays(8), "a.patel", CheckKinds.Manual, "by hand", CheckResults.Failed, "", null));

        var log = Checks();
        string Latest(IReadOnlyList<string>? schools, DateTimeOffset before) =>
            string.Join(',', log.LatestPerCategory(schools, before).Select(l => $"{l.SchoolId}/{l.Step.Category}@{(l.At - Monday).TotalDays}:{l.Step.Passed}"));

        Assert.Equal("oakfield/bullying@0:True,oakfield/suicide@7:False,riverside/suicide@1:True", Latest(null, Monday.AddDays(30)));
        Assert.Equal("oakfield/bullying@0:True,oakfield/suicide@0:True", Latest(["oakfield"], Monday.AddDays(7)));
        Assert.Equal("", Latest(["oakfield"], Monday));
    }

    [Theory]
    [InlineData("UPDATE checks SET result = 'passed'")]
    [InlineData("DELETE FROM checks")]
    [InlineData("UPDATE check_steps SET notified = 1")]
    [InlineData("DELETE FROM check_steps")]
    public void Checks_RowChangedWithSql_RefusedByTheEngine(string sql)
    {
        var log = Checks();
        var id = log.Record(Automatic("oakfield", Monday, CheckResults.Failed, Step("suicide", false)));

        using var connection = log.Store.Open();
        var error = Assert.Throws(EngineError, () => connection.Command(sql).Run());

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        var kept = Checks().Get(id)!;
        Assert.Equal((CheckResults.Failed, false), (kept.Result, Assert.Single(kept.Steps).Notified));
    }

    [Fact]
    public void RiskProfiles_SavedSeveralTimesByOneProcess_LatestReadByAnotherPerSchool()
    {
        Profiles().Save("oakfield", new RiskProfileOptions { AgeRange = "11-16", Send = "12%", Eal = "8%", LocalRisks = "county lines" }, Monday, "a.patel");
        Profiles().Save("riverside", new RiskProfileOptions { AgeRange = "4-11" }, Monday.AddDays(1), "r.jones");
        Profiles().Save("oakfield", new RiskProfileOptions { AgeRange = "11-18", Send = "14%", Eal = "9%", LocalRisks = "county lines; gangs" }, Monday.AddDays(2), "b.khan");

        var console = Profiles();
        var oak = console.Latest("oakfield")!;
        Assert.Equal(("11-18", "14%", "9%", "county lines; gangs", Monday.AddDays(2), "b.khan"),
            (oak.Profile.AgeRange, oak.Profile.Send, oak.Profile.Eal, oak.Profile.LocalRisks, oak.UpdatedAt, oak.UpdatedBy));
        Assert.Equal(("4-11", ""), (console.Latest("riverside")!.Profile.AgeRange, console.Latest("riverside")!.Profile.Send));
        Assert.Null(console.Latest("hillside"));
    }

    [Fact]
    public void Open_TwiceOrByAnotherProcess_SchemaVersionsKept()
    {
        Assert.Equal((2, 1), (Checks().SchemaVersion, Profiles().SchemaVersion));
        Assert.Equal((2, 1), (Checks().SchemaVersion, Profiles().SchemaVersion));
    }
}

/// <summary>The contract on a real SQLite data directory (checks.db, review.db).</summary>
public sealed class SqliteCheckStoresContractTests : CheckStoresContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private protected override Type EngineError => typeof(Microsoft.Data.Sqlite.SqliteException);

    private protected override RelationalStores Stores() => TestStores.For(_dir.Path);

    [Fact]
    public void Open_Sqlite_TheFilesAreChecksDbAndReviewDb()
    {
        var stores = Stores();

        Assert.EndsWith("checks.db", new CheckLog(stores, TimeProvider.System).Describe, StringComparison.Ordinal);
        Assert.EndsWith("review.db", new RiskProfileStore(stores, TimeProvider.System).Describe, StringComparison.Ordinal);
    }
}

/// <summary>The contract on a real PostgreSQL; each process has its own connections and its own empty data directory.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCheckStoresContractTests(PostgresCluster cluster) : CheckStoresContract
{
    private readonly List<ServiceProvider> _processes = [];
    private readonly TempDirectory _dir = new();
    private string _connectionString = string.Empty;

    public override async Task InitializeAsync() => _connectionString = await cluster.CreateDatabaseAsync("checks");

    public override async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        // No SQLite file is made on PostgreSQL: each machine's data directory would hold its own copy.
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.db", SearchOption.AllDirectories));
        _dir.Dispose();
    }

    private protected override Type EngineError => typeof(Npgsql.PostgresException);

    private protected override RelationalStores Stores()
    {
        var options = Options.Create(new StorageOptions
        {
            DataDirectory = Path.Combine(_dir.Path, "process-" + _processes.Count),
            Provider = StorageProviders.Postgres,
            ConnectionString = _connectionString,
        });
        var process = new ServiceCollection().AddSingleton(new PostgresDatabase(_connectionString)).BuildServiceProvider();
        _processes.Add(process);
        return new RelationalStores(options, process);
    }

    [Fact]
    public async Task Truncate_LogOfChecks_RefusedByTheEngine()
    {
        var log = new CheckLog(Stores(), TimeProvider.System);
        log.Record(new CheckEntry(0, "oakfield", DateTimeOffset.UnixEpoch, "a.patel", CheckKinds.Manual, "by hand", CheckResults.Passed, "", null));

        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var error = Assert.Throws<Npgsql.PostgresException>(() => connection.Command("TRUNCATE checks CASCADE").Run());

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.Single(log.List(null));
    }
}
