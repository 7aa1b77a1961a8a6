using Microsoft.Extensions.Options;

namespace AlertPipeline.Storage;

/// <summary>
/// <c>system.db</c>: small administrative tables (keyword versions, snapshots, device activity), each created by the
/// feature that owns it. API keys and console accounts also live in this file on SQLite, through
/// <see cref="RelationalStores"/>, so they move to PostgreSQL with <c>Storage:Provider=postgres</c>.
/// </summary>
internal sealed class SystemDatabase
{
    public SystemDatabase(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        Database = new SqliteDatabase(Path.Combine(storage.FullDataDirectory, "system.db"), storage.Synchronous);
    }

    public SqliteDatabase Database { get; }
}
