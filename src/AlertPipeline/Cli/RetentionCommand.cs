using AlertPipeline.Retention;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Cli;

/// <summary>
/// <c>alertpipeline retention [--dry-run]</c>: runs the retention policy now (the host also runs it every
/// <c>Retention:CheckInterval</c>), or with <c>--dry-run</c> only says what it would remove.
/// </summary>
internal static class RetentionCommand
{
    public static int Run(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("retention", rest, ["data-dir", "config"], ["dry-run"]);
        args.NoPositionals();
        using var services = CliServices.Create(args);
        var data = CliServices.DataDirectory(services);
        if (!File.Exists(Path.Combine(data, "alerts.db")))
        {
            throw new CliException($"retention: no alert store in '{data}' (run 'alertpipeline demo' or 'serve' with this --data-dir first)");
        }

        var retention = services.GetRequiredService<IOptions<RetentionOptions>>().Value;
        var dryRun = args.Flag("dry-run");
        var (alerts, screenshots, emails) = services.GetRequiredService<RetentionRunner>().RunAll(services.GetRequiredService<TimeProvider>().GetUtcNow(), dryRun);
        output.WriteLine($"{(dryRun ? "would minimise" : "minimised")} {alerts} closed alert(s) "
            + $"(no concern: closed over {retention.NoConcernDays} days ago; concern or referral: over {retention.ConcernDays} days), "
            + $"{(dryRun ? "would delete" : "deleted")} {screenshots} screenshot(s) (unreferenced: over {retention.UnreferencedScreenshotDays} days), "
            + $"{(dryRun ? "would delete" : "deleted")} {emails} outbox .eml file(s) (over {retention.OutboxDays} days)");
        return 0;
    }
}
