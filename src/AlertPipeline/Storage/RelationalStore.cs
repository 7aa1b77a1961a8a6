using System.Data.Common;
using AlertPipeline.Storage.Migrations;
using AlertPipeline.Storage.Postgres;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Storage;

/// <summary>
/// Where one feature's tables live: a SQLite file in the data directory (the embedded default) or the trust's shared
/// PostgreSQL (<c>Storage:Provider=postgres</c>, ADR 0022). A store written against this type is written once: plain
/// ADO.NET (<see cref="DbConnection"/>) with SQL both engines run (<c>@name</c> parameters, <c>ON CONFLICT … DO</c>,
/// <c>RETURNING</c>, millisecond <c>BIGINT</c> times, 0/1 integers for flags); only its numbered migrations differ per
/// engine. A store whose hot path needs engine-specific SQL keeps two implementations behind an interface instead
/// (<c>IAlertStore</c>).
/// </summary>
internal sealed class RelationalStore
{
    private readonly SqliteDatabase? _sqlite;
    private readonly PostgresDatabase? _postgres;

    private RelationalStore(SqliteDatabase? sqlite, PostgresDatabase? postgres)
    {
        _sqlite = sqlite;
        _postgres = postgres;
    }

    public static RelationalStore Sqlite(SqliteDatabase database) => new(database, null);

    public static RelationalStore Postgres(PostgresDatabase database) => new(null, database);

    public bool IsPostgres => _postgres is not null;

    /// <summary>The SQLite file, when this store is one (backups, messages); null on PostgreSQL.</summary>
    public SqliteDatabase? SqliteFile => _sqlite;

    /// <summary>For messages: the file's path or <c>PostgreSQL host:port/database</c>.</summary>
    public string Describe => _postgres?.Describe ?? _sqlite!.Path;

    public DbConnection Open() => _postgres is not null ? _postgres.Open() : _sqlite!.Open();

    /// <summary>Brings the store's tables to their newest version with the steps for this engine; returns the version reached.</summary>
    public int Migrate(string store, IReadOnlyList<Migration> sqlite, IReadOnlyList<Migration> postgres, TimeProvider clock)
    {
        using var connection = Open();
        return SchemaMigrator.Migrate(connection, store, IsPostgres ? postgres : sqlite, clock);
    }
}

/// <summary>
/// Gives each feature its <see cref="RelationalStore"/>: the named SQLite file in the data directory, or the shared
/// PostgreSQL database (where every feature's tables live side by side, each feature touching only its own).
/// </summary>
internal sealed class RelationalStores(IOptions<StorageOptions> options, IServiceProvider services)
{
    /// <param name="sqliteFile">The file name in the data directory used on SQLite, e.g. <c>system.db</c>.</param>
    public RelationalStore For(string sqliteFile)
    {
        var storage = options.Value;
        return storage.IsPostgres
            ? RelationalStore.Postgres(services.GetRequiredService<PostgresDatabase>())
            : RelationalStore.Sqlite(new SqliteDatabase(Path.Combine(storage.FullDataDirectory, sqliteFile), storage.Synchronous));
    }
}

/// <summary>Short ADO.NET helpers for stores written once for both engines.</summary>
internal static class DbCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds <c>@name</c>; null becomes <see cref="DBNull"/>.</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static int Run(this DbCommand command)
    {
        using (command)
        {
            return command.ExecuteNonQuery();
        }
    }

    /// <summary>The first column of the first row as a long (COUNT, MAX, an id), 0 when there is none or it is NULL.</summary>
    public static long Long(this DbCommand command)
    {
        using (command)
        {
            var value = command.ExecuteScalar();
            return value is null or DBNull ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reads every row with <paramref name="read"/>.</summary>
    public static List<T> Rows<T>(this DbCommand command, Func<DbDataReader, T> read)
    {
        using (command)
        {
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    /// <summary>A nullable BIGINT column (SQLite and PostgreSQL both return Int64).</summary>
    public static long? NullableLong(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
