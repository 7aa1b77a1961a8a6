using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// A real PostgreSQL for the tests: a throwaway cluster (initdb into a temp directory owned by the <c>postgres</c>
/// account, since initdb refuses root; started on a free loopback port with its socket in that directory), or the
/// server named by <c>ALERTPIPELINE_TEST_PG</c> (an Npgsql connection string with the right to create databases).
/// Each test class gets its own database. A missing PostgreSQL fails the tests, naming what to install: never a skip,
/// so CI cannot pass without having run them (scripts/test.sh installs Debian's postgresql).
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    public const string EnvironmentVariable = "ALERTPIPELINE_TEST_PG";

    private static readonly string BinDirectory = "/usr/lib/postgresql/15/bin";

    private readonly List<string> _databases = [];
    private string? _root;
    private string? _adminConnectionString;
    private string? _serverOptions;
    private int _sequence;

    /// <summary>The admin connection string (database <c>postgres</c>).</summary>
    public string AdminConnectionString => _adminConnectionString ?? throw new InvalidOperationException("the cluster has not started");

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            _adminConnectionString = given;
            return;
        }

        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 is not installed ({BinDirectory}/initdb is missing): run scripts/test.sh, which installs Debian's postgresql, " +
                $"or set {EnvironmentVariable} to a server's connection string.");
        }

        // Not under TempDirectory: the postgres account must be able to reach it, and the tests' umask makes folders 0700.
        _root = Path.Combine(Path.GetTempPath(), "alertpipeline-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["postgres:postgres", _root]);
        }

        var data = Path.Combine(_root, "data");
        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], asRoot);
        var port = FreePort();
        // fsync off: a throwaway cluster whose durability no test measures; max_connections for the pools of many test hosts.
        _serverOptions = $"-p {port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300";
        await StartServerAsync();
        _adminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            Pooling = false,
        }.ToString();
    }

    /// <summary>
    /// Stops the server as an operator's restart or a failover does (fast shutdown: open connections are cut), keeps it
    /// down for <paramref name="down"/>, and starts it again on the same port with the same data.
    /// </summary>
    public async Task RestartAsync(TimeSpan down)
    {
        if (_root is null)
        {
            throw new InvalidOperationException($"cannot restart a server this fixture did not start ({EnvironmentVariable} is set)");
        }

        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "fast", "-w", "stop"], Environment.UserName == "root");
        await Task.Delay(down);
        await StartServerAsync();
    }

    private Task StartServerAsync() =>
        RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
            ["-D", Path.Combine(_root!, "data"), "-l", Path.Combine(_root!, "server.log"), "-o", _serverOptions!, "-w", "-t", "60", "start"], Environment.UserName == "root");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _sequence)}_{Guid.NewGuid().ToString("N")[..8]}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        lock (_databases)
        {
            _databases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ToString();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root is null)
        {
            // Someone else's server: leave it as found.
            if (_adminConnectionString is not null)
            {
                await using var connection = new NpgsqlConnection(_adminConnectionString);
                await connection.OpenAsync();
                foreach (var name in _databases)
                {
                    await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                    await command.ExecuteNonQueryAsync();
                }
            }

            return;
        }

        try
        {
            await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], Environment.UserName == "root");
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres = false)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // initdb and pg_ctl change to the working directory; the test runner's may be one postgres cannot enter.
            WorkingDirectory = _root ?? Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)}: {await error} {await output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "PostgreSQL";
}
