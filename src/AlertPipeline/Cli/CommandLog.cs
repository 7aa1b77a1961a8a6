using AlertPipeline.Hosting;
using Serilog;
using Serilog.Events;

namespace AlertPipeline.Cli;

/// <summary>
/// The log every command writes from its first moment (Program.cs assigns it before anything else): which command
/// ran, how it ended, and why it failed — a configuration error or a damaged store included, which happen before
/// any host, and so any host logger, exists. It goes to <c>logs/commands-YYYYMMDD.log</c> in the data directory
/// when that is known and writable, otherwise to <see cref="FallbackDirectory"/> (README, "Logs").
/// </summary>
/// <remarks>
/// A file of its own beside the host's <c>alertpipeline-*.log</c>: a host and short commands (alerts list, keys add)
/// run at once on one data directory, so the sink is <c>shared</c> between processes, and the host's log stays the
/// host's. Option values are not logged: some are secrets (<c>--api-key</c>, <c>--key</c>) or pupil text
/// (<c>keywords test "..."</c>).
/// </remarks>
internal static class CommandLog
{
    public const string FileName = "commands-.log";

    /// <summary>Where this process's command log is, for the error line of an unexpected failure.</summary>
    public static string Where { get; private set; } = "the log";

    public static Serilog.ILogger Create(string[] args)
    {
        var directory = LogDirectory(args);
        Where = directory is null ? "no log (nowhere writable)" : Path.Combine(directory, "commands-YYYYMMDD.log");
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .Enrich.WithProperty("ProcessId", Environment.ProcessId);
        return directory is null
            ? configuration.CreateLogger() // nowhere writable: the error line on stderr is all there is
            : configuration.WriteTo.File(
                    Path.Combine(directory, FileName),
                    rollingInterval: RollingInterval.Day,
                    retainedFileCountLimit: 31,
                    shared: true,
                    outputTemplate: "{Timestamp:O} {Level:u3} [{ProcessId}] {Message:lj}{NewLine}{Exception}",
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture)
                .CreateLogger();
    }

    /// <summary>
    /// Where the log of a run with these arguments goes: the data directory's <c>logs/</c> when the one <c>--data-dir</c>
    /// names, or else the configured one, exists; else <see cref="FallbackDirectory"/>; null if nothing can be written.
    /// </summary>
    internal static string? LogDirectory(string[] args)
    {
        foreach (var candidate in new[] { DataDirectory(args), FallbackDirectory() })
        {
            if (candidate is not null && Writable(Path.Combine(candidate, "logs")))
            {
                return Path.Combine(candidate, "logs");
            }
        }

        return null;
    }

    /// <summary>
    /// <c>$XDG_STATE_HOME/alertpipeline</c>, else <c>~/.local/state/alertpipeline</c> (the XDG place for logs), else
    /// <c>alertpipeline-USER</c> in the temporary directory: for commands with no data directory (scan, eval) and
    /// for failures that happen before one is known (a configuration file that does not parse).
    /// </summary>
    internal static string FallbackDirectory()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrWhiteSpace(state))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
            state = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".local", "state");
        }

        return state is not null && Writable(Path.Combine(state, "alertpipeline"))
            ? Path.Combine(state, "alertpipeline")
            : Path.Combine(Path.GetTempPath(), "alertpipeline-" + Environment.UserName);
    }

    private static string? DataDirectory(string[] args)
    {
        // `restore --data-dir NEW` restores into an empty directory only: a log file there would make it refuse.
        if (args.Length > 0 && args[0] == "restore")
        {
            return null;
        }

        // Used only if it already exists, the named one as the configured one: a mistyped --data-dir must not be
        // created by the log (the command then says there is no store there), nor `scan` in some folder leave a data/.
        if (OptionValue(args, "--data-dir") is { Length: > 0 } given)
        {
            var named = Path.GetFullPath(given);
            return Directory.Exists(named) ? named : null;
        }

        try
        {
            // The configured directory (site file, --config, Storage__DataDirectory).
            var configured = PipelineConfiguration.Build(OptionValue(args, "--config"), new Dictionary<string, string?>())[$"{Storage.StorageOptions.Section}:DataDirectory"] ?? new Storage.StorageOptions().DataDirectory;
            var full = Path.GetFullPath(configured);
            return Directory.Exists(full) ? full : null;
        }
#pragma warning disable CA1031 // A configuration that cannot be read is the command's to report (exit 2); its log then goes to the fallback.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static string? OptionValue(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--")
            {
                break;
            }

            if (args[i] == name && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal) || args[i].StartsWith(name + ":", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }

    private static bool Writable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
