using AlertPipeline.Alerts;
using AlertPipeline.Detection;
using AlertPipeline.Events;
using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Storage;

/// <summary>Issue 12: an alert store from before keeps its alerts and takes the (school, device, event id) identity.</summary>
public sealed class AlertStoreMigrationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_StoreFromBeforeIssue12_MigratesIdentityKeepingAlerts()
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, "alerts.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // The schema main created before issue 12 (columns added later by EnsureColumn are added again on open).
            command.CommandText = """
                CREATE TABLE alerts (alert_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, rule TEXT NOT NULL, school_id TEXT NOT NULL,
                    device_id TEXT NOT NULL, user_login TEXT NOT NULL, occurred_at INTEGER NOT NULL, source TEXT NOT NULL, app TEXT, url TEXT,
                    screenshot_ref TEXT, text TEXT NOT NULL, normalized_text TEXT NOT NULL, categories TEXT NOT NULL, severity INTEGER NOT NULL,
                    matches TEXT NOT NULL, list_version TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                    UNIQUE (event_id, rule));
                CREATE TABLE alert_events (event_id TEXT PRIMARY KEY, alert_id TEXT NOT NULL REFERENCES alerts(alert_id), occurred_at INTEGER NOT NULL);
                INSERT INTO alerts VALUES ('al_old', 'e-1', 'keywords', 'oakfield', 'OAK-1', 'p', 0, 'typed', NULL, NULL, NULL,
                    'i want to die', 'i want to die', '["suicide"]', 4, '[]', 'v1', 'new', 0, 0);
                INSERT INTO alert_events VALUES ('e-1', 'al_old', 0);
                """;
            command.ExecuteNonQuery();
        }

        var store = new AlertStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DataDirectory = _dir.Path }));

        Assert.Equal("al_old", Assert.Single(store.List(new())).AlertId);
        Assert.Equal([new EventKey("oakfield", "OAK-1", "e-1")], store.KnownEvents([new EventKey("oakfield", "OAK-1", "e-1"), new EventKey("riverside", "RIV-1", "e-1")]));

        // Another school's event with the same id is another alert (the old unique key refused it).
        var other = Assert.Single(store.List(new())) with
        {
            AlertId = Alert.IdFor(new EventKey("riverside", "RIV-1", "e-1"), AlertFactory.KeywordRule), SchoolId = "riverside", DeviceId = "RIV-1",
        };
        Assert.Single(store.Save([(other, [])]));
        Assert.Equal(2, store.List(new()).Count);

        // Opening again changes nothing.
        _ = new AlertStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DataDirectory = _dir.Path }));
        Assert.Equal(2, store.List(new()).Count);
    }
}
