using System.Xml.Linq;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Migrations;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace AlertPipeline.Users;

/// <summary>
/// The keys that protect console session and anti-forgery cookies, in the trust's shared PostgreSQL
/// (<c>Storage:Provider=postgres</c>, ADR 0024): a session signed in on one console process is then readable by any
/// other, on any machine (two respond nodes behind a load balancer, or a console restarted on a new machine). On
/// SQLite the keys stay files under the data directory's <c>keys/</c>, shared by every process on that directory.
/// The key XML is stored as ASP.NET Core writes it (not encrypted at rest, as in <c>keys/</c>): whoever can read these
/// tables can also read every alert, so the database's own access control is what protects both.
/// </summary>
internal sealed class SessionKeyRing : IXmlRepository
{
    /// <summary>The name of this store's schema in <c>schema_migrations</c>.</summary>
    public const string StoreName = "session-keys";

    private static readonly Migration[] PostgresSteps =
    [
        new(1, "data protection keys", (connection, transaction) => connection.Command("""
            CREATE TABLE session_keys (
                friendly_name TEXT PRIMARY KEY,
                xml TEXT NOT NULL,
                stored_at BIGINT NOT NULL)
            """, transaction).Run()),
    ];

    private readonly RelationalStore _store;
    private readonly TimeProvider _clock;

    public SessionKeyRing(RelationalStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
        // Only PostgreSQL has the table: on SQLite the file system repository is used and this class is not.
        store.Migrate(StoreName, [], PostgresSteps, clock);
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = _store.Open();
        return connection.Command("SELECT xml FROM session_keys ORDER BY stored_at, friendly_name").Rows(r => XElement.Parse(r.GetString(0)));
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        // Two consoles starting at once on an empty table may each create a key: both are kept (names are the keys'
        // unique ids), and a console holding only its own reads the other's cookies once it re-reads the ring; until
        // then the worst case is a DSL asked to sign in again. Not covered by a test: the race cannot be forced.
        using var connection = _store.Open();
        connection.Command("INSERT INTO session_keys(friendly_name, xml, stored_at) VALUES (@name, @xml, @at) ON CONFLICT (friendly_name) DO NOTHING")
            .With("@name", friendlyName).With("@xml", element.ToString(SaveOptions.DisableFormatting))
            .With("@at", _clock.GetUtcNow().ToUnixTimeMilliseconds()).Run();
    }
}
