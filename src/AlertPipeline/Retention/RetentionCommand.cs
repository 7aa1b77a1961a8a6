using System.CommandLine;
using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Retention;

/// <summary>
/// <c>alertpipeline retention [--dry-run]</c>: runs the retention policy now (the host also runs it every
/// <c>Retention:CheckInterval</c>), or with <c>--dry-run</c> only says what it would remove.
/// </summary>
internal static class RetentionCommand
{
    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices) => CliCommand.Leaf("retention",
        "removes pupil data from alerts closed long enough ago and unreferenced screenshots (Retention:*); the host does it hourly",
        [CliOption.Flag("dry-run", "only say what would be removed"), CliOption.DataDir, CliOption.Config],
        (args, io) => Run(args, io.Output, offlineServices));

    private static int Run(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        using var services = offlineServices(args);
        _ = Alerts.AlertServices.RequireStore(services, "retention");

        var retention = services.GetRequiredService<IOptions<RetentionOptions>>().Value;
        var dryRun = args.Flag("dry-run");
        var (alerts, screenshots, emails) = CliProgress.Run(output, "retention", step =>
        {
            step(dryRun ? "counting what would be removed" : "minimising closed alerts, deleting old screenshots and outbox files");
            return services.GetRequiredService<RetentionRunner>().RunAll(services.GetRequiredService<TimeProvider>().GetUtcNow(), dryRun);
        });
        output.WriteLine($"{(dryRun ? "would minimise" : "minimised")} {alerts} closed alert(s) "
            + $"(no concern: closed over {retention.NoConcernDays} days ago; concern or referral: over {retention.ConcernDays} days), "
            + $"{(dryRun ? "would delete" : "deleted")} {screenshots} screenshot(s) (unreferenced: over {retention.UnreferencedScreenshotDays} days), "
            + $"{(dryRun ? "would delete" : "deleted")} {emails} outbox .eml file(s) (over {retention.OutboxDays} days)");
        return 0;
    }
}
