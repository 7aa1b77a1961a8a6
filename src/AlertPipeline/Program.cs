using AlertPipeline.Cli;
using Serilog;

// The executable is a set of subcommands (demo, serve, simulate, alerts, keys, scan, ...); see `alertpipeline help`.
try
{
    return await CliApp.RunAsync(args, Console.In, Console.Out, Console.Error);
}
catch (Exception ex)
{
    Log.Fatal(ex, "AlertPipeline stopped unexpectedly");
    await Console.Error.WriteLineAsync($"error: unexpected failure: {ex.Message} (details in the log)");
    return 70;
}
finally
{
    await Log.CloseAndFlushAsync();
}
