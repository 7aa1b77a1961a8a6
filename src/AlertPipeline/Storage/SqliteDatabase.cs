using Microsoft.Data.Sqlite;

namespace AlertPipeline.Storage;

/// <summary>
/// Opens connections to one SQLite file with the pragmas every store here relies on: WAL (readers never block
/// the single writer), the configured synchronous level, and a busy timeout so a reader and writer in different
/// processes (the CLI reading while the host writes) wait instead of failing.
/// </summary>
internal sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly string _synchronous;

    /// <param name="verify">
    /// Refuse a store that vanished, was zeroed or is damaged (<see cref="StoreFiles"/>). Every store's owner verifies;
    /// only a reader that opens a store its owner already verified in this process (the devices page, per request)
    /// passes false, because the check walks the whole file.
    /// </param>
    public SqliteDatabase(string path, string synchronous, bool verify = true)
    {
        Path = path;
        _synchronous = synchronous;
        DataDirectory.RestrictNewFiles();
        DataDirectory.CreateFolder(System.IO.Path.GetDirectoryName(path)!);

        // Before anything creates the file (below, or SQLite in place of one that vanished or was zeroed): a new store
        // passes, one this data directory held before and lost is refused.
        if (verify)
        {
            StoreFiles.Check(path);
        }

        if (!OperatingSystem.IsWindows() && !File.Exists(path))
        {
            // Created here 0600 rather than by SQLite (0644): SQLite gives the -wal and -shm files the mode of the database file.
            using (new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = DataDirectory.PrivateFile }))
            {
            }
        }
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        if (verify)
        {
            using (Open())
            {
                // Opening writes the header (WAL mode), so the file is now a store worth missing if it goes.
            }

            StoreFiles.Record(path);
        }
    }

    public string Path { get; }

    public SqliteConnection Open() => Open(_synchronous);

    /// <summary>
    /// Opens a connection with a different synchronous level, for writes whose loss on power failure is harmless
    /// (see <see cref="Queue.SqliteEventQueue.CommitAsync"/>).
    /// </summary>
    public SqliteConnection Open(string synchronous)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
        return connection;
    }

    /// <summary>Adds a column to a database created by an earlier version (SQLite has no ADD COLUMN IF NOT EXISTS).</summary>
    public static void EnsureColumn(SqliteConnection connection, string table, string column, string definition)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        if ((long)command.ExecuteScalar()! == 0)
        {
            try
            {
                Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
            }
            catch (SqliteException ex) when (ex.Message.Contains("duplicate column name", StringComparison.Ordinal))
            {
                // Another process starting on the same file added it between the check and here (a baseline step runs
                // outside the migrator's lock, ADR 0022): the column is there, which is all this asks.
            }
        }
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
