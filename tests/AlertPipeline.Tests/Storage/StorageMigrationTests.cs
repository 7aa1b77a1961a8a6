using AlertPipeline.Alerts;
using AlertPipeline.Cli;
using AlertPipeline.Detection;
using AlertPipeline.Events;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Migrations;
using AlertPipeline.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Storage;

/// <summary>Numbered migrations of the alert store, the Storage:Provider options, and what <c>migrate</c> reports (ADR 0022).</summary>
public sealed class StorageMigrationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_AlertsDbMadeBeforeNumberedMigrations_AdoptedAtNewestVersionKeepingAlertsAndOutbox()
    {
        var path = Path.Combine(_dir.Path, "alerts.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            // Exactly the schema code the alert store ran on open before this change, then an alert with its outbox
            // row written as that release wrote them.
            AlertSchema.SqliteBaseline(connection);
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO alerts(alert_id, event_id, rule, school_id, device_id, user_login, occurred_at, source, text, normalized_text,
                    categories, severity, matches, list_version, status, created_at, updated_at, event_count, last_event_at, snippet)
                VALUES ('al_old', 'e-1', 'keywords', 'oakfield', 'OAK-1', 'p', 0, 'typed', 'i want to die', 'i want to die',
                    '["suicide"]', 4, '[]', 'v1', 'new', 0, 0, 1, 0, 'want to die');
                INSERT INTO alert_events VALUES ('oakfield', 'OAK-1', 'e-1', 'al_old', 0);
                INSERT INTO alert_history(alert_id, at, actor, action, detail) VALUES ('al_old', 0, 'system', 'created', 'urgent');
                INSERT INTO notifications(notification_id, alert_id, kind, recipient, channel, status, next_attempt_at, created_at, priority)
                VALUES ('nt_old', 'al_old', 'alert', 'dsl@oakfield.example', 'email', 'pending', 0, 0, 4);
                """;
            command.ExecuteNonQuery();
        }

        var store = new AlertStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }));

        Assert.Equal(3, store.SchemaVersion);
        var alert = Assert.Single(store.List(new()));
        Assert.Equal(("al_old", Severity.Urgent, "want to die"), (alert.AlertId, alert.Severity, alert.Snippet));
        Assert.Single(store.KnownEvents([new EventKey("oakfield", "OAK-1", "e-1")]));
        var claimed = Assert.Single(new NotificationOutbox(store, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero))).Claim(10)); // step 2's columns work on the old row
        Assert.Equal("nt_old", claimed.NotificationId);
        using var check = store.Database.Open();
        Assert.Equal(3, SchemaMigrator.Version(check, AlertSchema.Store));
        Assert.Equal(1, AlertHistory.Version(store, "al_old")); // step 3: an old alert starts at version 1 and its old history is not relayed
        Assert.Equal(0, new AlertChangeFeed(store).Backlog());

        // Opening again applies nothing more and loses nothing.
        Assert.Equal(3, new AlertStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path })).SchemaVersion);
        Assert.Single(store.List(new()));
    }

    [Fact]
    public void Migrate_StoreUpgradedByNewerRelease_RefusedNamingBothVersions()
    {
        var store = new AlertStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }));
        using (var connection = store.Database.Open())
        {
            SqliteDatabase.Execute(connection, "INSERT INTO schema_migrations(store, version, name, applied_at) VALUES ('alerts', 9, 'from the future', 0)");
        }

        var ex = Assert.Throws<StoreUnusableException>(() => new AlertStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path })));

        Assert.Contains("the alerts store is at schema version 9, but this AlertPipeline knows versions up to 3", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql", null, "Storage:Provider must be sqlite or postgres (was 'mysql').")]
    [InlineData("postgres", null, "Storage:ConnectionString must be set when Storage:Provider is postgres")]
    [InlineData("postgres", "Host=db;Colour=blue", "Storage:ConnectionString is not a usable Npgsql connection string (")]
    [InlineData("postgres", "Database=alertpipeline", "Storage:ConnectionString is not a usable Npgsql connection string (it names no Host)")]
    public void Validate_BadProviderSettings_FailsNamingKeyAndValue(string provider, string? connectionString, string expected)
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { Provider = provider, ConnectionString = connectionString });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PostgresWithConnectionString_Succeeds() =>
        Assert.True(new StorageOptionsValidator().Validate(null, new StorageOptions { Provider = "postgres", ConnectionString = "Host=db;Database=ap" }).Succeeded);

    [Fact]
    public async Task Migrate_PostgresNotRunning_OneLineErrorNamingHostAndPort()
    {
        var port = FreePort();
        var config = Path.Combine(_dir.Path, "appsettings.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Trust": { "DslEmail": "dsl@trust.example" },
              "Storage": { "Provider": "postgres", "ConnectionString": "Host=127.0.0.1;Port={{port}};Database=trust;Username=alertpipeline;Timeout=5" } }
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CliApp.RunAsync(["migrate", "--config", config, "--data-dir", Path.Combine(_dir.Path, "data")], TextReader.Null, output, error);

        Assert.Equal(2, exit);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: storage: cannot reach PostgreSQL at 127.0.0.1:{port} (database 'trust')", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("valid", output.ToString(), StringComparison.Ordinal); // nothing claims the upgrade went well
    }

    [Fact]
    public async Task Migrate_Sqlite_ReportsAlertStoreSchemaVersion()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await CliApp.RunAsync(["migrate", "--data-dir", _dir.Path], TextReader.Null, output, error);

        Assert.True(exit == 0, error.ToString());
        Assert.Contains($"alert store: schema version 3 ({Path.Combine(_dir.Path, "alerts.db")}).", output.ToString(), StringComparison.Ordinal);
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary><c>migrate</c> against a real PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrateCommandTests(PostgresCluster cluster) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Migrate_Postgres_CreatesSchemaAndReportsVersionTwiceTheSame()
    {
        var connectionString = await cluster.CreateDatabaseAsync("migrate");
        var config = Path.Combine(_dir.Path, "appsettings.json");
        await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new
        {
            Trust = new { DslEmail = "dsl@trust.example" },
            Storage = new { Provider = "postgres", ConnectionString = connectionString },
        }));
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;

        for (var run = 0; run < 2; run++)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await CliApp.RunAsync(["migrate", "--config", config, "--data-dir", Path.Combine(_dir.Path, "data")], TextReader.Null, output, error);
            Assert.True(exit == 0, error.ToString());
            Assert.Contains("alert store: schema version 3 (PostgreSQL ", output.ToString(), StringComparison.Ordinal);
            Assert.Contains("job leases: schema version 1 (PostgreSQL ", output.ToString(), StringComparison.Ordinal);
            Assert.Contains($"/{database}).", output.ToString(), StringComparison.Ordinal);
        }

        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations WHERE store = 'alerts'", connection);
        Assert.Equal("1,2,3", await command.ExecuteScalarAsync());
    }
}
