using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Storage;

/// <summary>
/// The two places where a read-decide-write transaction differs between the engines, for stores written once for
/// both (<see cref="RelationalStore"/>, the alert store's <c>Open</c>).
/// </summary>
internal static class DbWrites
{
    /// <summary>
    /// A transaction that serialises read-decide-write changes of one row: on SQLite <c>BEGIN IMMEDIATE</c> (the
    /// database's write lock, taken before the read); on PostgreSQL an ordinary transaction whose read locks the row
    /// with <see cref="ForUpdate"/>.
    /// </summary>
    public static DbTransaction BeginWrite(this DbConnection connection) =>
        connection is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : connection.BeginTransaction();

    /// <summary>
    /// <c> FOR UPDATE</c> on PostgreSQL, nothing on SQLite (which has no row locks and no such clause; its
    /// <see cref="BeginWrite"/> already holds the whole database): append to the SELECT that reads the row a
    /// transaction is about to change, so two processes deciding on one alert queue instead of both acting.
    /// </summary>
    public static string ForUpdate(this DbConnection connection) => connection is SqliteConnection ? string.Empty : " FOR UPDATE";
}
