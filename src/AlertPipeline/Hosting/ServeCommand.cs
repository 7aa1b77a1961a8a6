using System.CommandLine;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Hosting;

/// <summary><c>alertpipeline serve</c>: the host without the simulator, until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(Action<IServiceCollection>? configureServices = null) => CliCommand.Leaf("serve",
        "the host (ingest API, embedded queue, detection, alerts, notifications), until Ctrl+C or SIGTERM",
        [CliOption.DataDir, CliOption.Config, new("urls", "where to listen (default: http://127.0.0.1:5080)", "URL"),
         CliOption.Choice("role", "which stages this process runs", "all", "ingest", "detect", "respond")],
        (args, io) => RunAsync(args, io.Output, configureServices));

    /// <summary>For tests: <c>serve</c> with extra services, failures thrown as they would reach <see cref="CliApp"/>.</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, Action<IServiceCollection> configureServices) =>
        Create(configureServices).Parse(args).InvokeAsync(new CliInvocation { Input = TextReader.Null, Output = output, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });

    private static async Task<int> RunAsync(CliArgs args, TextWriter output, Action<IServiceCollection>? configureServices)
    {
        args.NoPositionals();
        var role = args.Choice("role", "all", "all", "ingest", "detect", "respond") switch
        {
            "ingest" => HostRoles.Ingest,
            "detect" => HostRoles.Detect,
            "respond" => HostRoles.Respond,
            _ => HostRoles.All,
        };
        var app = PipelineHost.Build(new HostSettings
        {
            ConfigFile = args.Get("config"),
            Overrides = args.CommonOverrides(),
            Urls = args.Get("urls") ?? "http://127.0.0.1:5080",
            Roles = role,
            ConfigureServices = configureServices,
        });
        await using (app.ConfigureAwait(false))
        {
            await StartAsync(app).ConfigureAwait(false);
            await PrintWhereAsync(app, output).ConfigureAwait(false);
            if (args.Get("config") is null)
            {
                await output.WriteLineAsync($"  WARNING        no --config FILE: running with the demo trust ({PipelineConfiguration.DemoTrustFile}); alerts go to its example addresses").ConfigureAwait(false);
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
            ThrowIfAServiceFailed(app);
        }

        return 0;
    }

    /// <summary>
    /// A background service that fails after start stops the host (the default behaviour), and the command then
    /// returned 0 as if asked to stop. Whether a damaged store fails a service inside <c>StartAsync</c> or just after
    /// it depends only on timing, so both ends say the same: the damaged file, or the failure, and a non-zero code.
    /// </summary>
    private static void ThrowIfAServiceFailed(WebApplication app)
    {
        var failed = app.Services.GetServices<IHostedService>().OfType<BackgroundService>()
            .Select(s => (Service: s.GetType().Name, Error: s.ExecuteTask?.Exception?.GetBaseException()))
            .FirstOrDefault(f => f.Error is not null && f.Error is not OperationCanceledException);
        if (failed.Error is null)
        {
            return;
        }

        if (DamagedStores(app) is { } damaged)
        {
            throw new StoreUnusableException($"{damaged}; the host stopped (alertpipeline restore puts back a backup: deploy/PRODUCTION.md)");
        }

        throw new ServiceFailedException($"{failed.Service} failed and stopped the host: {failed.Error.Message} (details in the log)", failed.Error);
    }

    /// <summary>
    /// Starts the host. A store too large to be checked before start (<see cref="StoreFiles.FullCheckAtStartLimit"/>)
    /// and damaged where a service reads it at start stops the host, and the host reports only "a task was
    /// canceled": the damaged file is then named here, from what the watchdog saw or, failing that, from a
    /// quick_check of each store now (the start has failed anyway, so its time costs nothing).
    /// </summary>
    private static async Task StartAsync(WebApplication app)
    {
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (DamagedStores(app) is { } damaged)
        {
            throw new StoreUnusableException($"{damaged}; the host did not start (alertpipeline restore puts back a backup: deploy/PRODUCTION.md)");
        }
    }

    private static string? DamagedStores(WebApplication app)
    {
        var faults = app.Services.GetRequiredService<Storage.StoreFaults>();
        if (faults.Any)
        {
            return $"a store is damaged: {faults.Describe()}";
        }

        var directory = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory;
        var found = Directory.EnumerateFiles(directory, "*.db")
            .Select(path => (path, problem: StoreFiles.DeepCheck(path)))
            .Where(c => c.problem is not null)
            // Named as StoreFaults names them ("alerts.db: ..."), so the message does not depend on which of the two
            // found the damage first (a timing matter: a full test run once saw this path, the test the other).
            .Select(c => $"{Path.GetFileName(c.path)}: {c.problem}")
            .ToList();
        return found.Count == 0 ? null : $"a store is damaged: {string.Join("; ", found)}";
    }

    public static async Task PrintWhereAsync(WebApplication app, TextWriter output)
    {
        var data = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory;
        var sender = app.Services.GetRequiredService<IEmailSender>();
        var address = app.BoundAddress();
        await output.WriteLineAsync($"""
            AlertPipeline is running.
              ingest API     {address}api/v1/events   (POST, 'Authorization: ApiKey <key>')
              health         {address}health   (watchdog checks: {address}health/ready)
              data           {data}
              alerts         {Path.Combine(data, "alerts.db")}   list with: alertpipeline alerts list --data-dir {data}
              notifications  {sender.Describe()}
              logs           {Path.Combine(data, "logs")}
            """).ConfigureAwait(false);
        await Users.ConsoleAccounts.PrintFirstRunAsync(app, output).ConfigureAwait(false);
    }
}

/// <summary>A background service failed and stopped the host: <c>serve</c> exits 70, naming it.</summary>
internal sealed class ServiceFailedException(string message, Exception inner) : Exception(message, inner);
