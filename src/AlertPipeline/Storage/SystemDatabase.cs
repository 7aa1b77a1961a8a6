using Microsoft.Extensions.Options;

namespace AlertPipeline.Storage;

/// <summary><c>system.db</c>: API keys and other small administrative tables. Created on first use.</summary>
internal sealed class SystemDatabase
{
    public SystemDatabase(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        Database = new SqliteDatabase(Path.Combine(storage.FullDataDirectory, "system.db"), storage.Synchronous);
        using var connection = Database.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS api_keys (
                key_id TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                school_id TEXT NOT NULL,
                device_id TEXT,
                label TEXT,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER);
            """);
    }

    public SqliteDatabase Database { get; }
}
