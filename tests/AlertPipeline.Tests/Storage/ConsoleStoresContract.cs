using System.Data.Common;
using AlertPipeline.Audit;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Simulator;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Cli;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using AlertPipeline.Users.Oidc;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertPipeline.Tests.Storage;

/// <summary>
/// What the people and evidence stores (API keys, accounts and sign-in locks, the audit log, screenshots) must do,
/// written once and run against each provider: a real SQLite data directory and a real PostgreSQL. Each
/// <see cref="Stores"/> call stands for another process (on PostgreSQL another machine: its own connections and its
/// own, empty, data directory), so what one writes and another reads crosses processes as in a split deployment.
/// </summary>
public abstract class ConsoleStoresContract : IAsyncLifetime
{
    private protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The storage options and stores of one more process (on PostgreSQL: with its own data directory).</summary>
    private protected abstract (IOptions<StorageOptions> Options, RelationalStores Stores) Stores();

    private protected abstract Type EngineError { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private ApiKeyStore Keys() => new(Stores().Stores, Clock);

    private UserStore Users() => new(Stores().Stores, Clock, Options.Create(new UserOptions { LockoutThreshold = 3 }));

    private AuditLog Audit() => new(Stores().Stores, Clock);

    private ScreenshotStore Screenshots()
    {
        var (options, stores) = Stores();
        return new ScreenshotStore(options, stores, Clock);
    }

    [Fact]
    public void ApiKeys_AddedByOneProcess_FoundByAnotherUntilRevokedThere()
    {
        var (secret, info) = Keys().Create("oakfield", "dev-7", "lab");
        var node = Keys();

        Assert.Equal(new ApiKeyGrant(info.KeyId, "oakfield", "dev-7", "lab"), node.Find(secret));
        Assert.True(Keys().Revoke(info.KeyId));

        // The very next lookup on the other node: no cache survives a revocation made elsewhere.
        Assert.Null(node.Find(secret));
        Assert.False(Keys().Revoke(info.KeyId));
        var listed = Assert.Single(Keys().List());
        Assert.Equal((info.KeyId, "oakfield", "dev-7", "lab", Clock.GetUtcNow()), (listed.KeyId, listed.SchoolId, listed.DeviceId, listed.Label, listed.CreatedAt));
        Assert.Equal(Clock.GetUtcNow(), listed.RevokedAt);
    }

    [Fact]
    public void ApiKeys_UnknownOrMalformedSecret_NotFound()
    {
        Keys().Create("oakfield", null, null);
        var keys = Keys();

        Assert.Null(keys.Find("apk_" + new string('x', 43)));
        Assert.Null(keys.Find("not-a-key"));
    }

    [Fact]
    public void Users_NameInAnotherCase_IsTheSameAccountAndCannotBeAddedTwice()
    {
        Users().Create("DSL.Oak", ConsoleRoles.Dsl, ["oakfield"], ConsoleSession.Password, mustChangePassword: false);
        var other = Users();

        Assert.Equal("DSL.Oak", other.Find("dsl.oak")?.Name);
        Assert.Equal(SignInOutcome.Success, other.SignIn("dsl.OAK", ConsoleSession.Password).Outcome);
        var error = Assert.Throws<UserAccountException>(() => other.Create("dsl.oak", ConsoleRoles.Dsl, ["oakfield"], ConsoleSession.Password, false));
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.True(Users().Disable("DSL.OAK"));
        Assert.True(other.Find("dsl.oak")!.Disabled);
    }

    [Fact]
    public void Users_LockedOutOnOneConsole_LockedOnAnotherForThatAddressOnly()
    {
        Users().Create("dsl.oak", ConsoleRoles.Dsl, ["oakfield"], ConsoleSession.Password, mustChangePassword: false);
        for (var i = 0; i < 3; i++)
        {
            Users().SignIn("dsl.oak", "wrong-password-guess", "198.51.100.7");
        }

        var other = Users();
        Assert.Equal(SignInOutcome.LockedOut, other.SignIn("dsl.oak", ConsoleSession.Password, "198.51.100.7").Outcome);
        Assert.Equal(SignInOutcome.Success, other.SignIn("dsl.oak", ConsoleSession.Password, "203.0.113.9").Outcome);
        Assert.Equal(1, Users().ActiveLocks().Values.Single());

        Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(SignInOutcome.Success, other.SignIn("dsl.oak", ConsoleSession.Password, "198.51.100.7").Outcome);
        Assert.Empty(Users().ActiveLocks());
    }

    [Fact]
    public void Users_StampChangedByOneProcess_SeenByAnother()
    {
        var user = Users().Create("dsl.oak", ConsoleRoles.Dsl, ["oakfield"], ConsoleSession.Password, mustChangePassword: false);
        var console = Users();
        Assert.Equal(user.SecurityStamp, console.FindById(user.UserId)?.SecurityStamp);

        Users().ChangeRole("dsl.oak", ConsoleRoles.Dsl, ["oakfield", "riverside"]);

        var changed = console.FindById(user.UserId)!;
        Assert.NotEqual(user.SecurityStamp, changed.SecurityStamp);
        Assert.Equal("oakfield,riverside", string.Join(',', changed.Schools));
        Assert.True(Users().Remove("dsl.oak"));
        Assert.Null(console.FindById(user.UserId));
    }

    [Fact]
    public void Users_OidcMapped_CreatedOnceThenFoundBySubjectUnderANewAddress()
    {
        var identity = new ExternalIdentity("entra", "sub-123", "j.smith@oakfield.example", true, null, []);
        var (created, refusal) = Users().SignInExternal(identity, new RoleGrant(ConsoleRoles.Dsl, ["oakfield"]));
        Assert.Null(refusal);

        var renamed = identity with { Email = "jane.smith@oakfield.example" };
        var (again, _) = Users().SignInExternal(renamed, new RoleGrant(ConsoleRoles.Dsl, ["oakfield"]));

        Assert.Equal(created!.UserId, again!.UserId);
        var stored = Assert.Single(Users().List());
        Assert.Equal(("jane.smith@oakfield.example", "entra", true), (stored.Name, stored.Provider, stored.Mapped));
        Assert.Equal(SignInOutcome.Invalid, Users().SignIn("jane.smith@oakfield.example", "").Outcome);
    }

    [Fact]
    public async Task Audit_ConcurrentWritersInSeveralProcesses_OneUnbrokenChain()
    {
        var writers = Enumerable.Range(0, 4).Select(_ => Audit()).ToList();

        await Task.WhenAll(writers.Select((log, w) => Task.Run(() =>
        {
            for (var i = 0; i < 25; i++)
            {
                log.Append($"dsl.{w}", ConsoleRoles.Dsl, AuditActions.ViewAlert, $"al_{w}_{i}", "oakfield");
            }
        })));

        var audit = Audit();
        Assert.Null(audit.Verify());
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), audit.Read(limit: 1000).Select(e => e.Id).Order());
    }

    [Fact]
    public void Audit_Search_FiltersByActorInAnyCaseAlertsActionAndTime()
    {
        var audit = Audit();
        audit.Append("DSL.Oak", ConsoleRoles.Dsl, AuditActions.ViewAlert, "al_1", "oakfield");
        Clock.Advance(TimeSpan.FromHours(1));
        audit.Append("dsl.oak", ConsoleRoles.Dsl, AuditActions.ViewScreenshot, "al_2", "oakfield");
        audit.Append("it.bob", ConsoleRoles.It, AuditActions.ViewAlert, "al_3", "oakfield");

        Assert.Equal(2, audit.Search(new AuditQuery(Actor: "dsl.OAK")).Total);
        Assert.Equal("al_3,al_1", string.Join(',', audit.Search(new AuditQuery(AlertIds: ["al_1", "al_3"])).Entries.Select(e => e.AlertId)));
        Assert.Equal(0, audit.Search(new AuditQuery(AlertIds: [])).Total);
        Assert.Equal("al_2", Assert.Single(audit.Search(new AuditQuery(Action: AuditActions.ViewScreenshot)).Entries).AlertId);
        Assert.Equal(2, audit.Search(new AuditQuery(From: Clock.GetUtcNow())).Total);
        Assert.Equal("al_1", Assert.Single(audit.Read("al_1")).AlertId);
    }

    [Theory]
    [InlineData("UPDATE audit_log SET actor = 'someone else'")]
    [InlineData("DELETE FROM audit_log")]
    public void Audit_RowChangedWithSql_RefusedByTheEngine(string sql)
    {
        var audit = Audit();
        audit.Append("dsl.oak", ConsoleRoles.Dsl, AuditActions.ViewAlert, "al_1", "oakfield");

        using var connection = audit.Store.Open();
        var error = Assert.Throws(EngineError, () => connection.Command(sql).Run());

        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        Assert.Equal("dsl.oak", Assert.Single(Audit().Read()).Actor);
    }

    [Fact]
    public async Task Screenshots_SavedByIngest_ReadByConsoleForThatSchoolOnly()
    {
        var png = new ScreenshotRenderer().Render("Search", "https://search.example/?q=test", "a page of text");
        var (reference, created) = await Screenshots().SaveAsync(png, "image/png", "oakfield");
        var (again, createdAgain) = await Screenshots().SaveAsync(png, "image/png", "oakfield");
        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(reference, again);

        var console = Screenshots();
        var shot = console.Read(reference, "oakfield");
        Assert.NotNull(shot);
        Assert.Equal(ScreenshotCheck.Clean(png).Image, shot.Bytes);
        Assert.Equal("image/png", shot.ContentType);
        Assert.True(console.Exists(reference, "oakfield"));

        // Another school's alert naming the same hash finds nothing.
        Assert.Null(console.Read(reference, "riverside"));
        Assert.False(console.Exists(reference, "riverside"));
        Assert.Null(console.Read("sha256:" + new string('0', 64), "oakfield"));
        Assert.Null(console.Read("not-a-reference", "oakfield"));
    }

    [Fact]
    public async Task Screenshots_RetentionRule_DeletesFreedAndOldUnshownRowsKeepsShownAndRecent()
    {
        var renderer = new ScreenshotRenderer();
        async Task<string> Save(string text) => (await Screenshots().SaveAsync(renderer.Render("Search", "https://search.example/", text), "image/png", "oakfield")).Reference;
        var shown = await Save("shown by an open alert");
        var freed = await Save("shown only by an alert just minimised");
        var old = await Save("shown by no alert, stored long ago");
        Clock.Advance(TimeSpan.FromDays(31));
        var recent = await Save("shown by no alert, stored yesterday");

        var store = Screenshots();
        var deleted = store.DeleteRows(new HashSet<string> { freed }, new HashSet<string> { shown }, Clock.GetUtcNow().AddDays(-30), dryRun: false);

        if (RowsInDatabase)
        {
            // Before, rows in PostgreSQL were never deleted: retention walked only the screenshot files.
            Assert.Equal(2, deleted);
            Assert.Null(store.Read(freed, "oakfield"));
            Assert.Null(store.Read(old, "oakfield"));
        }
        else
        {
            Assert.Equal(0, deleted); // Files: the retention runner deletes them (RetentionTests).
        }

        Assert.NotNull(store.Read(shown, "oakfield"));
        Assert.NotNull(store.Read(recent, "oakfield"));
    }

    /// <summary>Whether screenshots are rows of the database (PostgreSQL) rather than files.</summary>
    private protected virtual bool RowsInDatabase => false;

    [Fact]
    public async Task Screenshots_UploadedWithATrustWideKey_FoundForAnySchool()
    {
        var png = new ScreenshotRenderer().Render("Trust", "https://trust.example/", "uploaded by a trust-wide key");
        var (reference, _) = await Screenshots().SaveAsync(png, "image/png", "*");

        Assert.NotNull(Screenshots().Read(reference, "oakfield"));
        Assert.NotNull(Screenshots().Read(reference, "riverside"));
    }

    [Fact]
    public async Task Screenshots_NotAnImage_RefusedWithTheReason()
    {
        var error = await Assert.ThrowsAsync<InvalidScreenshotException>(() => Screenshots().SaveAsync("<html>"u8.ToArray(), "image/png", "oakfield"));

        Assert.Contains("PNG", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The contract on a real SQLite data directory (system.db, audit.db, screenshots/).</summary>
public sealed class SqliteConsoleStoresContractTests : ConsoleStoresContract
{
    private readonly TempDirectory _dir = new();

    public override Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private protected override Type EngineError => typeof(Microsoft.Data.Sqlite.SqliteException);

    private protected override (IOptions<StorageOptions> Options, RelationalStores Stores) Stores()
    {
        var options = Options.Create(new StorageOptions { DataDirectory = _dir.Path });
        return (options, TestStores.For(options));
    }
}

/// <summary>The contract on a real PostgreSQL; each process has its own connections and its own empty data directory.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresConsoleStoresContractTests(PostgresCluster cluster) : ConsoleStoresContract
{
    private readonly List<ServiceProvider> _processes = [];
    private readonly TempDirectory _dir = new();
    private string _connectionString = string.Empty;

    public override async Task InitializeAsync() => _connectionString = await cluster.CreateDatabaseAsync("people");

    public override async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _dir.Dispose();
    }

    private protected override Type EngineError => typeof(Npgsql.PostgresException);

    private protected override bool RowsInDatabase => true;

    private protected override (IOptions<StorageOptions> Options, RelationalStores Stores) Stores()
    {
        var options = Options.Create(new StorageOptions
        {
            DataDirectory = Path.Combine(_dir.Path, "process-" + _processes.Count),
            Provider = StorageProviders.Postgres,
            ConnectionString = _connectionString,
        });
        var process = new ServiceCollection().AddSingleton(new PostgresDatabase(_connectionString)).BuildServiceProvider();
        _processes.Add(process);
        return (options, new RelationalStores(options, process));
    }
}

/// <summary>Earlier releases' files are adopted in place, and <c>migrate</c> brings the PostgreSQL tables up.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConsoleStoresMigrationTests(PostgresCluster cluster) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_SystemDbFromBeforeNumberedMigrations_KeysAndAccountsKeptAndStampGiven()
    {
        // system.db as a release before stamps, OIDC and schema_migrations left it.
        var secret = "apk_" + new string('k', 43);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
        var passwordHash = new Microsoft.AspNetCore.Identity.PasswordHasher<UserAccount>().HashPassword(null!, ConsoleSession.Password);
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, "system.db")};Pooling=False"))
        {
            old.Open();
            old.Command("""
                CREATE TABLE api_keys (key_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, school_id TEXT NOT NULL, device_id TEXT,
                    label TEXT, created_at INTEGER NOT NULL, revoked_at INTEGER);
                CREATE TABLE users (user_id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, role TEXT NOT NULL, schools TEXT NOT NULL,
                    password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, must_change INTEGER NOT NULL DEFAULT 0,
                    failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until INTEGER, created_at INTEGER NOT NULL);
                INSERT INTO api_keys VALUES ('key_old', @hash, 'oakfield', NULL, 'old agent', 1700000000000, NULL);
                INSERT INTO users(user_id, name, role, schools, password_hash, created_at) VALUES ('u_old', 'DSL.Oak', 'dsl', 'oakfield', @password, 1700000000000);
                """).With("@hash", hash).With("@password", passwordHash).Run();
        }

        var stores = TestStores.For(_dir.Path);
        var keys = new ApiKeyStore(stores, TimeProvider.System);
        var users = new UserStore(stores, TimeProvider.System, Options.Create(new UserOptions()));

        Assert.Equal("key_old", keys.Find(secret)?.KeyId);
        var (outcome, user) = users.SignIn("dsl.oak", ConsoleSession.Password);
        Assert.Equal(SignInOutcome.Success, outcome);
        Assert.Equal(32, user!.SecurityStamp.Length);
        Assert.Equal((1, 1), (keys.SchemaVersion, users.SchemaVersion));
    }

    [Fact]
    public async Task Migrate_Postgres_CreatesThePeopleAndEvidenceTablesOnceAndBackupNamesPgDump()
    {
        var connectionString = await cluster.CreateDatabaseAsync("migratepeople");
        var config = await TrustConfigFile.WriteAsync(_dir.Path, connectionString);

        for (var run = 0; run < 2; run++)
        {
            var (exit, output, error) = await CliTests.RunAsync(["migrate", "--config", config, "--data-dir", Path.Combine(_dir.Path, "data")]);
            Assert.True(exit == 0, error);
            Assert.Contains("api keys: schema version 1; users: 1; audit: 1; screenshots: PostgreSQL ", output, StringComparison.Ordinal);
        }

        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var stores = connection.Command("SELECT store || ':' || version FROM schema_migrations WHERE store IN ('api-keys', 'users', 'audit', 'screenshots', 'session-keys') ORDER BY store")
            .Rows(r => r.GetString(0));
        Assert.Equal("api-keys:1,audit:1,screenshots:1,users:1", string.Join(',', stores));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "data", "audit.db")));

        // A backup of the data directory says what it does not hold.
        var (backup, backupOutput, backupError) = await CliTests.RunAsync(
            ["backup", "--config", config, "--data-dir", Path.Combine(_dir.Path, "data"), "--out", Path.Combine(_dir.Path, "backup")]);
        Assert.True(backup == 0, backupError);
        Assert.Contains("Back that database up with pg_dump", backupOutput, StringComparison.Ordinal);
    }
}
