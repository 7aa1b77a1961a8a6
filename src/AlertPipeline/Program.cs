using AlertPipeline.Cli;
using Serilog;

// First of all the command log (Cli/CommandLog.cs), so that even a configuration error at start is written down;
// then the command line (Cli/CliApp.cs: each feature defines its commands; `alertpipeline --help`).
Log.Logger = CommandLog.Create(args);
try
{
    return await CliApp.RunAsync(args, Console.In, Console.Out, Console.Error);
}
catch (Exception ex)
{
    // CliApp turns every failure into an exit code; this is for a fault in building the command line itself.
    Log.Fatal(ex, "AlertPipeline stopped unexpectedly");
    await Console.Error.WriteLineAsync($"error: unexpected failure: {ex.Message} (details in {CommandLog.Where})");
    return 70;
}
finally
{
    await Log.CloseAndFlushAsync();
}
