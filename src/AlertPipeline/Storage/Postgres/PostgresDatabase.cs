using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AlertPipeline.Storage.Postgres;

/// <summary>
/// The trust's shared PostgreSQL (<c>Storage:Provider=postgres</c>): one pooled data source per process. Opening it
/// once at construction turns a wrong host, port, password or database into one line naming the server at start,
/// not a stack trace from the first alert.
/// </summary>
internal sealed class PostgresDatabase : IDisposable
{
    private readonly NpgsqlDataSource _source;

    public PostgresDatabase(IOptions<StorageOptions> options)
        : this(options.Value.ConnectionString ?? throw new InvalidOperationException("Storage:ConnectionString is not set"))
    {
    }

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Server = $"{builder.Host}:{builder.Port}";
        DatabaseName = builder.Database ?? builder.Username ?? "(default)";
        _source = NpgsqlDataSource.Create(builder);
        using (OpenAtStart())
        {
        }
    }

    /// <summary>host:port as configured, for messages.</summary>
    public string Server { get; }

    public string DatabaseName { get; }

    public string Describe => $"PostgreSQL {Server}/{DatabaseName}";

    public NpgsqlConnection Open() => _source.OpenConnection();

    public void Dispose() => _source.Dispose();

    /// <summary>Null when <paramref name="connectionString"/> parses and names a host; else what is wrong (without echoing a password).</summary>
    public static string? ConnectionStringProblem(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return string.IsNullOrWhiteSpace(builder.Host) ? "it names no Host" : null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    private NpgsqlConnection OpenAtStart()
    {
        try
        {
            return _source.OpenConnection();
        }
        catch (PostgresException ex)
        {
            // The server answered and refused: wrong password (28P01), no such database (3D000), too many clients.
            throw new StoreUnusableException(
                $"storage: PostgreSQL at {Server} refused the connection to database '{DatabaseName}': {ex.MessageText} ({ex.SqlState}). Check Storage:ConnectionString.");
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            var cause = ex.InnerException?.Message ?? ex.Message;
            throw new StoreUnusableException(
                $"storage: cannot reach PostgreSQL at {Server} (database '{DatabaseName}'): {cause}. Check Storage:ConnectionString and that the server is running and reachable from this machine.");
        }
    }
}
