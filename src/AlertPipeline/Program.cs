using AlertPipeline.Cli;
using Serilog;

// First of all the command log (Cli/CommandLog.cs), so that even a configuration error at start is written down;
// then the command line (Cli/CliApp.cs: each feature defines its commands; `alertpipeline --help`).
// Top-level statements have no synchronisation context to leave, so awaits here do without ConfigureAwait (CA2007).
#pragma warning disable CA2007
Log.Logger = CommandLog.Create(args);
try
{
    return await CliApp.RunAsync(args, Console.In, Console.Out, Console.Error);
}
#pragma warning disable CA1031 // The last resort: CliApp turns every failure into an exit code; this is for a fault in building the command line itself.
catch (Exception ex)
#pragma warning restore CA1031
{
    Log.Fatal(ex, "AlertPipeline stopped unexpectedly");
    await Console.Error.WriteLineAsync($"error: unexpected failure: {ex.Message} (details in {CommandLog.Where})");
    return 70;
}
finally
{
    await Log.CloseAndFlushAsync();
}
