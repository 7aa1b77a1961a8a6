using System.Data.Common;
using System.Globalization;

namespace AlertPipeline.Storage.Migrations;

/// <summary>
/// One numbered step of a store's schema. <paramref name="OwnTransaction"/> steps manage their own transactions
/// (SQLite's documented table rebuild must switch foreign keys off outside one); they must be idempotent, because the
/// step and its journal row are then not committed together.
/// </summary>
internal sealed record Migration(int Version, string Name, Action<DbConnection, DbTransaction?> Apply, bool OwnTransaction = false);

/// <summary>
/// Brings a store to its newest schema version, one numbered step at a time, recording each in
/// <c>schema_migrations</c> (ADR 0022). Safe when several processes start at once against one database: on
/// PostgreSQL each step runs under a transaction-scoped advisory lock, on SQLite under the write lock that
/// <c>BEGIN IMMEDIATE</c> takes; a process that waited then finds the step applied and skips it.
/// </summary>
internal static class SchemaMigrator
{
    private const string Journal = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            store TEXT NOT NULL,
            version INTEGER NOT NULL,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL,
            PRIMARY KEY (store, version))
        """;

    /// <summary>Applies every step of <paramref name="migrations"/> not yet recorded for <paramref name="store"/>; returns the version reached.</summary>
    public static int Migrate(DbConnection connection, string store, IReadOnlyList<Migration> migrations, TimeProvider clock)
    {
        var postgres = connection is Npgsql.NpgsqlConnection;
        var newest = migrations.Count == 0 ? 0 : migrations.Max(m => m.Version);
        using (var transaction = connection.BeginTransaction())
        {
            // Two processes creating the journal at once would race on PostgreSQL's catalog; the lock orders them.
            Lock(connection, transaction, store, postgres);
            Execute(connection, transaction, Journal);
            transaction.Commit();
        }

        foreach (var migration in migrations.OrderBy(m => m.Version))
        {
            using (var transaction = connection.BeginTransaction())
            {
                Lock(connection, transaction, store, postgres);
                var applied = Applied(connection, transaction, store);
                if (applied.Count > 0 && applied.Max() > newest)
                {
                    throw new StoreUnusableException(
                        $"storage: the {store} store is at schema version {applied.Max()}, but this AlertPipeline knows versions up to {newest}: " +
                        "a newer release has upgraded it. Run that release, or restore the backup taken before the upgrade.");
                }

                if (applied.Contains(migration.Version))
                {
                    transaction.Commit();
                    continue;
                }

                if (!migration.OwnTransaction)
                {
                    migration.Apply(connection, transaction);
                    Record(connection, transaction, store, migration, clock);
                    transaction.Commit();
                    continue;
                }

                transaction.Commit();
            }

            migration.Apply(connection, null);
            using (var transaction = connection.BeginTransaction())
            {
                Lock(connection, transaction, store, postgres);
                if (!Applied(connection, transaction, store).Contains(migration.Version))
                {
                    Record(connection, transaction, store, migration, clock);
                }

                transaction.Commit();
            }
        }

        return Version(connection, store);
    }

    /// <summary>The newest version recorded for <paramref name="store"/>, 0 when none (or no journal yet).</summary>
    public static int Version(DbConnection connection, string store)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE store = @store";
        AddParameter(command, "@store", store);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Lock(DbConnection connection, DbTransaction transaction, string store, bool postgres)
    {
        if (postgres)
        {
            // Released with the transaction, so a process killed mid-step never leaves it held.
            Execute(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('alertpipeline-migrations:' || @store))", ("@store", store));
        }

        // SQLite: Microsoft.Data.Sqlite begins transactions IMMEDIATE, which already holds the database's write lock.
    }

    private static HashSet<int> Applied(DbConnection connection, DbTransaction transaction, string store)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version FROM schema_migrations WHERE store = @store";
        AddParameter(command, "@store", store);
        using var reader = command.ExecuteReader();
        var applied = new HashSet<int>();
        while (reader.Read())
        {
            applied.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
        }

        return applied;
    }

    private static void Record(DbConnection connection, DbTransaction transaction, string store, Migration migration, TimeProvider clock) =>
        Execute(connection, transaction, "INSERT INTO schema_migrations(store, version, name, applied_at) VALUES (@store, @version, @name, @at)",
            ("@store", store), ("@version", migration.Version), ("@name", migration.Name), ("@at", clock.GetUtcNow().ToUnixTimeMilliseconds()));

    public static void Execute(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            AddParameter(command, name, value);
        }

        command.ExecuteNonQuery();
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
