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

/// <summary>
/// The few SQL fragments the two engines spell differently, for queries otherwise written once. Each takes the
/// connection the query runs on and returns SQL text (never a value: values are always parameters).
/// </summary>
internal static class DbDialect
{
    private static bool IsSqlite(DbConnection connection) => connection is SqliteConnection;

    /// <summary>Whether text <paramref name="needle"/> occurs in <paramref name="haystack"/> (both SQL expressions), case as given.</summary>
    public static string Contains(this DbConnection connection, string haystack, string needle) =>
        IsSqlite(connection) ? $"instr({haystack}, {needle}) > 0" : $"strpos({haystack}, {needle}) > 0";

    /// <summary>Whether the JSON array of strings in <paramref name="column"/> holds the text <paramref name="value"/>.</summary>
    public static string JsonArrayHas(this DbConnection connection, string column, string value) =>
        IsSqlite(connection)
            ? $"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = {value})"
            : $"{column}::jsonb @> jsonb_build_array({value}::text)";

    /// <summary>
    /// The text at <paramref name="key"/> of the JSON object in <paramref name="column"/>, or NULL when the column is
    /// not a JSON object (history details written by other code may be plain text).
    /// </summary>
    public static string JsonText(this DbConnection connection, string column, string key) =>
        IsSqlite(connection)
            ? $"(CASE WHEN {connection.IsJsonObject(column)} THEN json_extract({column}, '$.{key}') END)"
            : $"(CASE WHEN {connection.IsJsonObject(column)} THEN ({column})::jsonb ->> '{key}' END)";

    /// <summary>
    /// Whether <paramref name="column"/> holds JSON (SQLite's <c>json_valid</c>); on PostgreSQL 15, which has no such
    /// test, whether it looks like an object (<c>{…}</c>): the details this codebase writes are objects or plain text.
    /// </summary>
    public static string IsJsonObject(this DbConnection connection, string column) =>
        IsSqlite(connection) ? $"json_valid({column})" : $"({column} LIKE '{{%}}')";

    /// <summary>A FROM item with one row per string of the JSON array in <paramref name="column"/>, its text in <c>alias.value</c>.</summary>
    public static string JsonArrayTexts(this DbConnection connection, string column, string alias) =>
        IsSqlite(connection) ? $"json_each({column}) {alias}" : $"jsonb_array_elements_text(({column})::jsonb) AS {alias}(value)";

    /// <summary>
    /// The alerts table's insertion order: SQLite's <c>rowid</c>; on PostgreSQL the <c>seq</c> identity column (alert
    /// schema step 3). On PostgreSQL, unlike SQLite, a row can commit after one with a higher number: readers that
    /// follow it also look at <c>updated_at</c>.
    /// </summary>
    public static string AlertRowOrder(this DbConnection connection) => IsSqlite(connection) ? "rowid" : "seq";
}
