using System.Diagnostics;
using Spectre.Console;

namespace AlertPipeline.Kernel;

/// <summary>
/// Progress of long work (training, reports, retention, replay, eval, the simulator) as a Spectre.Console spinner
/// with what is being done and the time so far — only when the command writes to this process's standard output
/// and that is a terminal. Redirected to a file or a pipe, or written to a test's writer, the work runs with no
/// reporter at all, so what scripts read is byte for byte what it was: no escape codes, no spinner frames.
/// </summary>
internal static class CliProgress
{
    /// <summary>Whether <paramref name="output"/> is a terminal a person watches.</summary>
    public static bool Shows(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>Runs <paramref name="work"/>, which may say what it is doing through the <c>Action&lt;string&gt;</c>.</summary>
    public static T Run<T>(TextWriter output, string what, Func<Action<string>, T> work)
    {
        if (!Shows(output))
        {
            return work(static _ => { });
        }

        var started = Stopwatch.StartNew();
        return Terminal().Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(what), context =>
            work(step => context.Status = Markup.Escape($"{what}: {step} ({started.Elapsed.TotalSeconds:0} s)")));
    }

    public static Task<T> RunAsync<T>(TextWriter output, string what, Func<Action<string>, Task<T>> work)
    {
        if (!Shows(output))
        {
            return work(static _ => { });
        }

        var started = Stopwatch.StartNew();
        return Terminal().Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(what), context =>
            work(step => context.Status = Markup.Escape($"{what}: {step} ({started.Elapsed.TotalSeconds:0} s)")));
    }

    // The spinner is drawn on standard output, where the person looks; Spectre clears it when the work ends, before
    // the command prints its result.
    private static IAnsiConsole Terminal() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Out) });
}
