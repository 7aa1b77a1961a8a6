using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Notifications;
using AlertPipeline.Triage;

namespace AlertPipeline.Cli;

/// <summary><c>alertpipeline alerts ack|resolve|system</c>: the console's triage actions, from a terminal.</summary>
internal static class TriageCommand
{
    public static int Acknowledge(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("alerts ack", rest, ["data-dir", "config", "by"]);
        var alertId = SingleAlertId(args);
        var by = args.Get("by") ?? throw new CliException("alerts ack: --by USER is required (who acknowledges)");
        return Run(args, output, triage => triage.Acknowledge(alertId, by));
    }

    public static int Resolve(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("alerts resolve", rest, ["data-dir", "config", "by", "outcome", "reference", "note"]);
        var alertId = SingleAlertId(args);
        var by = args.Get("by") ?? throw new CliException("alerts resolve: --by USER is required (who resolves)");
        var outcome = args.Get("outcome") ?? throw new CliException($"alerts resolve: --outcome is required: one of {string.Join(", ", ResolveOutcomes.All)}");
        return Run(args, output, triage => triage.Resolve(alertId, by, outcome, args.Get("reference"), args.Get("note")));
    }

    public static int SystemAlerts(string[] rest, TextWriter output)
    {
        var args = CliArgs.Parse("alerts system", rest, ["data-dir", "config"]);
        args.NoPositionals();
        using var services = OpenStore(args, "alerts system");
        var open = services.GetRequiredService<Notifications.SystemAlerts>().Open();
        foreach (var a in open)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Id,5}  {a.At:yyyy-MM-dd HH:mm:ss}  {a.Kind}  {a.SchoolId ?? "-"}  {a.AlertId ?? "-"}  {a.Detail}"));
        }

        output.WriteLine($"{open.Count} open system alert(s)");
        return 0;
    }

    private static int Run(CliArgs args, TextWriter output, Func<AlertTriage, TriageResult> action)
    {
        using var services = OpenStore(args, args.Command);
        try
        {
            var result = action(services.GetRequiredService<AlertTriage>());
            output.WriteLine(result.Message);
            return 0;
        }
        catch (TriageException ex)
        {
            throw new CliException($"{args.Command}: {ex.Message}");
        }
    }

    private static ServiceProvider OpenStore(CliArgs args, string command)
    {
        var services = CliServices.Create(args);
        var data = CliServices.DataDirectory(services);
        if (!File.Exists(Path.Combine(data, "alerts.db")))
        {
            services.Dispose();
            throw new CliException($"{command}: no alert store in '{data}' (run 'alertpipeline demo' or 'serve' with this --data-dir first)");
        }

        _ = services.GetRequiredService<AlertStore>();
        return services;
    }

    private static string SingleAlertId(CliArgs args) => args.Positionals.Count == 1
        ? args.Positionals[0]
        : throw new CliException($"{args.Command}: expected one ALERT_ID (got {args.Positionals.Count})");
}
