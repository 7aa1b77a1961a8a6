using AlertPipeline.Storage;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;

namespace AlertPipeline.Tests.Users;

/// <summary>
/// The keys that protect console cookies, with <c>Storage:Provider=postgres</c>: kept in the shared PostgreSQL, so what
/// one console process protects another (its own data directory, another machine) can read.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SessionKeyRingTests(PostgresCluster cluster) : IAsyncLifetime
{
    private readonly TempDirectory _dirs = new();
    private readonly List<ServiceProvider> _processes = [];
    private string _connectionString = string.Empty;

    public async Task InitializeAsync() => _connectionString = await cluster.CreateDatabaseAsync("sessionkeys");

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _dirs.Dispose();
    }

    [Fact]
    public void Protect_OnOneConsoleProcess_UnprotectedByAnotherOnAnotherDataDirectory()
    {
        var first = Console("a").CreateProtector("session");
        var second = Console("b").CreateProtector("session");
        var cookie = first.Protect("dsl.oak signed in");

        Assert.Equal("dsl.oak signed in", second.Unprotect(cookie));

        // And the other way round: one key ring for the trust, none on the data directories.
        Assert.Equal("riverside", first.Unprotect(second.Protect("riverside")));
        Assert.False(Directory.Exists(Path.Combine(_dirs.Path, "a", "keys")));
        Assert.False(Directory.Exists(Path.Combine(_dirs.Path, "b", "keys")));
    }

    /// <summary>The services of one console process as the host wires them, on its own data directory.</summary>
    private IDataProtectionProvider Console(string name)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(_dirs.Path, name),
            ["Storage:Provider"] = StorageProviders.Postgres,
            ["Storage:ConnectionString"] = _connectionString,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton(TimeProvider.System).AddLogging();
        services.AddStorage(configuration);
        services.AddConsoleSignIn(configuration);
        var process = services.BuildServiceProvider();
        _processes.Add(process);
        return process.GetRequiredService<IDataProtectionProvider>();
    }
}
