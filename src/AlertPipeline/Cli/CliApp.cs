using AlertPipeline.Hosting;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Cli;

/// <summary>Dispatches <c>alertpipeline &lt;command&gt;</c>. Problems the user can fix print one line and exit 2.</summary>
internal static class CliApp
{
    public const string Usage = """
        alertpipeline — safeguarding monitoring alert pipeline

        Usage: alertpipeline <command> [options]

          demo      [--data-dir DIR] [--duration 30s] [--port N] [--rate N] [--schools N] [--pupils N] [--concerning 0.04] [--seed N] [--config FILE]
                    all-in-one host on embedded defaults plus the device-agent simulator
          serve     [--data-dir DIR] [--urls URL] [--config FILE] [--role all|ingest|detect|respond]
                    the host (ingest API, embedded queue, detection, alerts, notifications)
          simulate  (--url URL --api-key KEY | --kafka BOOTSTRAP) [--rate N] [--duration 30s] [--count N] [--schools N] [--pupils N] [--concerning 0.02] [--seed N]
                    the device-agent simulator alone, against a running host
          alerts list [--data-dir DIR] [--format table|json] [--school ID] [--min-severity LEVEL] [--status STATUS]
          users add --name NAME --role dsl|trust-dsl|it|governor|admin [--school ID[,ID]] [--password-stdin | --sign-in PROVIDER] [--data-dir DIR]
                    a console account; prints a one-time password unless one is read from stdin or the person signs in
                    through a configured OpenID Connect provider (Users:Oidc:Providers; NAME is then their e-mail address)
          users list [--data-dir DIR]
          users disable|enable|remove|reset-password NAME [--data-dir DIR]    each ends the account's open sessions (enable: none are open)
          users role NAME --role ROLE [--school ID[,ID]] [--data-dir DIR]
          alerts ack ALERT_ID --by USER [--data-dir DIR]          acknowledge: stops the escalation chain
          alerts resolve ALERT_ID --by USER --outcome concern-confirmed|no-further-action|false-positive|referred
                    [--reference CPOMS-123] [--note TEXT] [--data-dir DIR]
          alerts system [--resolve ID --by USER] [--data-dir DIR]  open system alerts (e.g. a channel that keeps failing); close one
          keys add --school ID|* [--device ID] [--label TEXT] [--data-dir DIR]   (prints the new key once)
          keys list [--data-dir DIR]
          keys revoke KEY_ID [--data-dir DIR]
          scan      [FILE] [--format text|ndjson] [--source SOURCE] [--lists DIR]
                    one JSON object per input line: {"line","flagged","severity","categories","matches":[{"term","category","severity","start","length"}]}
          keywords test "TEXT" [--source SOURCE] [--format text|json] [--lists DIR]   what would fire and why
          keywords lint [--lists DIR] [--dictionary FILE] [--strict]        duplicates, dead entries, common-word hits
          keywords import --senso FILE --category ID --by USER --reason TEXT [--lists DIR]
          keywords export [--format senso|csv] [--category ID] [--lists DIR]
          keywords history [--data-dir DIR]                                 who changed the lists, when and why
          keywords measure FILE... [--source SOURCE] [--show N] [--min-severity LEVEL] [--lists DIR]   alerts per 1,000 texts per label (false alarms, recall)
          eval      --file FILE [--format suite|davidson] [--lists DIR] [--misses N]   precision, recall, F1 per category
          bench     [--events N] [--rate N] [--seconds N] [--synchronous FULL|NORMAL] [--data-dir DIR] [--transport embedded|kafka] [--partitions N] [--warmup N]
                    pipeline throughput and latency (kafka: on librdkafka's 3-broker mock cluster)
          model train [--training DIR] [--out FILE] [--outcomes FILE.csv] [--sample N] [--seed N]   the risk model (seeds/models/risk-model.bin); --outcomes adds DSL outcomes
          model outcomes --out FILE.csv [--since DATE] [--data-dir DIR]   closed alerts as labelled data: concern (confirmed, referred) or false-positive
          replay    --since TIME|Nd [--lists DIR] [--model-bands "suicide:0.97=urgent,0.9=high;…"] [--data-dir DIR] [--config FILE]
                    re-reads retained events (embedded queue or Kafka) through candidate keyword lists or model bands; reports alerts added/removed per category and severity, and the DSL outcomes of the alerts it would silence; notifies nobody
          retention [--dry-run] [--data-dir DIR] [--config FILE]
                    removes pupil data from alerts closed long enough ago and unreferenced screenshots (Retention:*); the host does it hourly
          deadletters list [--format table|json] [--limit N] [--data-dir DIR]   events detection could not process, with the reason
          deadletters replay ID...|--all [--data-dir DIR]   queue them again (after a fix); deadletters drop ID...|--all forgets them
          kafka-mock [--brokers 3] [--config FILE]   librdkafka's mock Kafka cluster with the topics, for trying split roles (not production)
          bench-responder --smtp-port N --maildir DIR [--rate 5000] [--seconds 20] [--urgent-every 100 | --concerning 0.10] [--drain N]
                    event accepted -> urgent email accepted by SMTP, p50/p99 (scripts/bench-responder.sh runs the SMTP server)
          reports governor --school ID|trust --from yyyy-MM-dd --to yyyy-MM-dd --out FILE.pdf [--data-dir DIR]
                    the anonymised governor summary as a PDF (the same report the schedule emails and the console offers)
          reports annual-review --school ID|trust --year 2025-26 --out DIR [--data-dir DIR]
                    the annual online-safety review pack: annual-review.pdf, a CSV per table and annual-review.json in DIR
          monitoring check --school ID [--data-dir DIR] [--url URL] [--key KEY]
                    the end-to-end check on the running host: one test event per category from the test pupil; progress per category;
                    exit 1 if it failed (a system alert is raised). --key (or ALERTPIPELINE_CHECK_KEY): a school-wide key, for a remote host
          config check [--config FILE]                   validate a configuration file; print the schools, who is told of what and when
          schools list [--config FILE]                   the configured schools
          roster check [--file FILE [--school ID]] [--config FILE]   read a roster (MIS export) as the host would; print columns used and rows it cannot use
          backup    --out BACKUP_DIR [--data-dir DIR] [--config FILE]   every store (SQLite online backup), keys/, screenshots/, outbox/, lists and roster, with checksums; safe while the host runs
          restore   --from BACKUP_DIR --data-dir NEW_DIR     checks every checksum, then restores into an empty directory only
          migrate   [--data-dir DIR] [--config FILE]    validate the configuration and bring every store to this version's schema (the installer runs it)
          version   (or --version)                     the installed version
          help

        Exit codes: 0 success, 2 bad arguments or configuration, 70 unexpected failure.
        """;

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            await output.WriteAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? 2 : 0;
        }

        try
        {
            var rest = args[1..];
            return args[0] switch
            {

                "demo" => await DemoCommand.RunAsync(rest, output).ConfigureAwait(false),
                "simulate" => await SimulateCommand.RunAsync(rest, output).ConfigureAwait(false),
                "serve" => await ServeCommand.RunAsync(rest, output).ConfigureAwait(false),
                "alerts" => AlertsCommand.Run(rest, output),
                "keys" => KeysCommand.Run(rest, output),
                "users" => UsersCommand.Run(rest, input, output),
                "keywords" => await KeywordsCommand.RunAsync(rest, output).ConfigureAwait(false),
                "eval" => EvalCommand.Run(rest, output),
                "model" => Model.ModelCommand.Run(rest, output),
                "scan" => await ScanCommand.RunAsync(rest, input, output).ConfigureAwait(false),
                "bench" => await BenchCommand.RunAsync(rest, output).ConfigureAwait(false),
                "replay" => await ReplayCommand.RunAsync(rest, output).ConfigureAwait(false),
                "retention" => RetentionCommand.Run(rest, output),
                "deadletters" => Detection.DeadLettersCommand.Run(rest, output),
                "kafka-mock" => await KafkaMockCommand.RunAsync(rest, output).ConfigureAwait(false),
                "bench-responder" => await ResponderBenchCommand.RunAsync(rest, output).ConfigureAwait(false),
                "reports" => Reports.ReportsCommand.Run(rest, output),
                "version" or "--version" => await Installation.VersionCommand.RunAsync(rest, output).ConfigureAwait(false),
                "config" => ConfigCommand.Run(rest, output),
                "schools" => Schools.SchoolsCommand.Run(rest, output),
                "roster" => ConsoleUi.RosterCommand.Run(rest, output),
                "backup" => Backup.BackupCommand.Backup(rest, output),
                "restore" => Backup.BackupCommand.Restore(rest, output),
                "migrate" => await Installation.MigrateCommand.RunAsync(rest, output).ConfigureAwait(false),
                "monitoring" => await Checks.MonitoringCommand.RunAsync(rest, output).ConfigureAwait(false),

                _ => throw new CliException($"unknown command '{args[0]}' (see 'alertpipeline help')"),
            };
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }
        catch (OptionsValidationException ex)
        {
            await WriteFailuresAsync(error, [ex]).ConfigureAwait(false);
            return 2;
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            await WriteFailuresAsync(error, ex.InnerExceptions.Cast<OptionsValidationException>()).ConfigureAwait(false);
            return 2;
        }
        catch (Detection.Lists.KeywordListException ex)
        {
            await error.WriteLineAsync("error: keyword lists: " + ex.Message).ConfigureAwait(false);
            return 2;
        }
        catch (Exception ex) when (ex is Storage.StoreUnusableException or Storage.DataDirectoryLockedException)
        {
            await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }
        catch (FileNotFoundException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 2;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await error.WriteLineAsync($"error: cannot listen: {ex.Message} (choose another --port / --urls)").ConfigureAwait(false);
            return 2;
        }
    }

    private static async Task WriteFailuresAsync(TextWriter error, IEnumerable<OptionsValidationException> exceptions)
    {
        foreach (var failure in exceptions.SelectMany(e => e.Failures))
        {
            await error.WriteLineAsync("error: configuration: " + failure).ConfigureAwait(false);
        }
    }

    /// <summary>The configuration overrides every command shares: <c>--data-dir</c>.</summary>
    public static Dictionary<string, string?> CommonOverrides(CliArgs args)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (args.Get("data-dir") is { } dir)
        {
            overrides["Storage:DataDirectory"] = dir;
        }

        return overrides;
    }
}
