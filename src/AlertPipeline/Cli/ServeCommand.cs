using AlertPipeline.Hosting;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Cli;

/// <summary><c>alertpipeline serve</c>: the host without the simulator, until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("serve", rest, ["data-dir", "urls", "config", "role"]);
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
            Overrides = CliApp.CommonOverrides(args),
            Urls = args.Get("urls") ?? "http://127.0.0.1:5080",
            Roles = role,
        });
        await using (app.ConfigureAwait(false))
        {
            await app.StartAsync().ConfigureAwait(false);
            await PrintWhereAsync(app, output).ConfigureAwait(false);
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }

        return 0;
    }

    public static async Task PrintWhereAsync(WebApplication app, TextWriter output)
    {
        var data = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory;
        var sender = app.Services.GetRequiredService<IEmailSender>();
        var address = PipelineHost.BoundAddress(app);
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
