using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Audit;
using AlertPipeline.Notifications;
using AlertPipeline.Storage;

namespace AlertPipeline.Triage;

/// <summary><c>alertpipeline alerts ack|resolve|system</c>: the console's triage actions, from a terminal.</summary>
internal static class TriageCommand
{
    public static int Acknowledge(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        var alertId = SingleAlertId(args);
        var by = args.Get("by") ?? throw new CliException("alerts ack: --by USER is required (who acknowledges)");
        return Run(args, output, "acknowledge", triage => triage.Acknowledge(alertId, by), offlineServices);
    }

    public static int Resolve(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        var alertId = SingleAlertId(args);
        var by = args.Get("by") ?? throw new CliException("alerts resolve: --by USER is required (who resolves)");
        var outcome = args.Get("outcome") ?? throw new CliException($"alerts resolve: --outcome is required: one of {string.Join(", ", TriageOutcomes.All)}");
        var detail = "resolve " + System.Text.Json.JsonSerializer.Serialize(new { outcome, reference = args.Get("reference"), note = args.Get("note") });
        return Run(args, output, detail, triage => triage.Resolve(alertId, by, outcome, args.Get("reference"), args.Get("note")), offlineServices);
    }

    public static int SystemAlerts(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        using var services = OpenStore(args, "alerts system", offlineServices);
        var systemAlerts = services.GetRequiredService<Notifications.SystemAlerts>();
        if (args.Get("resolve") is not null)
        {
            var id = args.GetInt("resolve", 0, 1, int.MaxValue);
            var by = args.Get("by") ?? throw new CliException("alerts system: --by USER is required with --resolve (who dealt with it)");
            if (!systemAlerts.Resolve(id, by))
            {
                throw new CliException($"alerts system: no open system alert {id}");
            }

            services.GetRequiredService<AuditLog>().Append(CliActor.Name(by), CliActor.Role, AuditActions.SystemAlertChange, detail: CliActor.Detail(by, $"resolved system alert {id}"));

            output.WriteLine($"system alert {id} resolved by {by}");
            return 0;
        }

        var open = systemAlerts.Open();
        foreach (var a in open)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Id,5}  {a.At:yyyy-MM-dd HH:mm:ss}  {a.Kind}  {a.SchoolId ?? "-"}  {a.AlertId ?? "-"}  {a.Detail}"));
        }

        output.WriteLine($"{open.Count} open system alert(s)");
        return 0;
    }

    private static int Run(CliArgs args, TextWriter output, string auditDetail, Func<IAlertTriage, TriageResult> action, Func<CliArgs, ServiceProvider> offlineServices)
    {
        using var services = OpenStore(args, args.Command, offlineServices);
        var alertId = args.Positionals[0];
        var by = args.Get("by")!;
        var result = action(services.GetRequiredService<IAlertTriage>());
        switch (result.Kind)
        {
            case TriageResultKind.Done:
                // The same row the console writes for the same action, so the audit log reads alike whatever the door.
                services.GetRequiredService<AuditLog>().Append(CliActor.Name(by), CliActor.Role, AuditActions.Triage, alertId,
                    services.GetRequiredService<IAlertStore>().Get(alertId)?.SchoolId, CliActor.Detail(by, auditDetail));
                output.WriteLine($"{alertId} {result.Status} by {by}");
                return 0;
            case TriageResultKind.Conflict:
                // Asking for what is already so is not an error: two DSLs acknowledging at once both succeed.
                output.WriteLine($"{alertId} is already {result.Status}; nothing changed");
                return 0;
            case TriageResultKind.NotFound:
                throw new CliException($"{args.Command}: no alert '{alertId}'");
            default:
                throw new CliException($"{args.Command}: {result.Error}");
        }
    }

    private static ServiceProvider OpenStore(CliArgs args, string command, Func<CliArgs, ServiceProvider> offlineServices)
    {
        var services = offlineServices(args);
        try
        {
            _ = AlertServices.RequireStore(services, command);
            return services;
        }
        catch
        {
            services.Dispose();
            throw;
        }
    }

    private static string SingleAlertId(CliArgs args) => args.Positionals.Count == 1
        ? args.Positionals[0]
        : throw new CliException($"{args.Command}: expected one ALERT_ID (got {args.Positionals.Count})");
}
