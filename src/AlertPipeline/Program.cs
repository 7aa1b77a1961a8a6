using AlertPipeline.Cli;
using Serilog;

// The executable is a set of subcommands (demo, serve, simulate, alerts, keys, scan, ...); see `alertpipeline help`.
// Top-level statements have no synchronisation context to leave, so awaits here do without ConfigureAwait (CA2007).
#pragma warning disable CA2007
try
{
    return await CliApp.RunAsync(args, Console.In, Console.Out, Console.Error);
}
#pragma warning disable CA1031 // The last resort: whatever escaped every command is logged and becomes exit code 70.
catch (Exception ex)
#pragma warning restore CA1031
{
    Log.Fatal(ex, "AlertPipeline stopped unexpectedly");
    await Console.Error.WriteLineAsync($"error: unexpected failure: {ex.Message} (details in the log)");
    return 70;
}
finally
{
    await Log.CloseAndFlushAsync();
}
