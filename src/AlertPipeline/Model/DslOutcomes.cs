using System.Globalization;
using AlertPipeline.Alerts;
using AlertPipeline.Cli;
using AlertPipeline.Detection;
using AlertPipeline.Storage;
using AlertPipeline.Triage;
using CsvHelper;
using CsvHelper.Configuration;

namespace AlertPipeline.Model;

/// <summary>
/// One closed alert as a labelled example: the text, what the DSL decided (<see cref="DslOutcomes.Concern"/> or
/// <see cref="DslOutcomes.FalsePositive"/>), the category and severity it was raised in and by what (<c>keywords</c> or
/// <c>model</c>). No pupil, device, school or alert id: the file is training data, not a case record.
/// </summary>
internal sealed record OutcomeRow(string Text, string Label, string Category, string Severity, string Rule, string Outcome);

/// <summary>
/// DSL outcomes as labelled data (issue 13, "learning from DSLs"): <c>alertpipeline model outcomes</c> writes them as
/// CSV, and <c>model train --outcomes FILE</c> learns from them. "Concern confirmed" and "referred" say the text was a
/// concern in the alert's category; "false positive" says it was not. "No further action" says neither (a real concern
/// can need no action), so it is left out. Alerts whose pupil data retention removed are left out too.
/// </summary>
internal static class DslOutcomes
{
    public const string Source = "dsl_outcomes";
    public const string Concern = "concern";
    public const string FalsePositive = "false-positive";

    public static IReadOnlyList<OutcomeRow> Read(IAlertStore alerts, DateTimeOffset? since)
    {
        using var connection = alerts.Open();
        // The latest resolution wins (an alert can be reopened and resolved again); the outcome read is guarded
        // (DbDialect.JsonText): a detail written by other code may not be JSON.
        return connection.Command($"""
                WITH resolved AS (
                    SELECT h.alert_id, h.at, {connection.JsonText("h.detail", "outcome")} AS outcome,
                           ROW_NUMBER() OVER (PARTITION BY h.alert_id ORDER BY h.id DESC) AS n
                    FROM alert_history h WHERE h.action = 'resolved')
                SELECT a.text, c.value, a.severity, a.rule, r.outcome
                FROM resolved r JOIN alerts a ON a.alert_id = r.alert_id CROSS JOIN {connection.JsonArrayTexts("a.categories", "c")}
                WHERE r.n = 1 AND a.minimised_at IS NULL AND r.at >= @since
                  AND r.outcome IN ('{TriageOutcomes.ConcernConfirmed}', '{TriageOutcomes.Referred}', '{TriageOutcomes.FalsePositive}')
                ORDER BY r.at, a.alert_id, c.value
                """)
            .With("@since", since?.ToUnixTimeMilliseconds() ?? long.MinValue)
            .Rows(r =>
            {
                var outcome = r.GetString(4);
                return new OutcomeRow(r.GetString(0), outcome == TriageOutcomes.FalsePositive ? FalsePositive : Concern, r.GetString(1),
                    ((Severity)r.GetInt32(2)).ToName(), r.GetString(3), outcome);
            });
    }

    public static void Write(IEnumerable<OutcomeRow> rows, TextWriter output)
    {
        using var csv = new CsvWriter(output, CultureInfo.InvariantCulture, leaveOpen: true);
        csv.WriteField("text");
        csv.WriteField("label");
        csv.WriteField("category");
        csv.WriteField("severity");
        csv.WriteField("rule");
        csv.WriteField("outcome");
        csv.NextRecord();
        foreach (var row in rows)
        {
            csv.WriteField(row.Text);
            csv.WriteField(row.Label);
            csv.WriteField(row.Category);
            csv.WriteField(row.Severity);
            csv.WriteField(row.Rule);
            csv.WriteField(row.Outcome);
            csv.NextRecord();
        }
    }

    /// <summary>
    /// The exported file as training texts: a concern is a positive of its category's head, a false positive a negative
    /// of it; the other heads learn nothing from the row (unknown), since the DSL judged one category. Categories the
    /// model has no head for (drugs, grooming) are skipped; the lists' <c>discrimination</c> is the model's hate-speech.
    /// </summary>
    public static List<LabelledText> ReadForTraining(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"model train: --outcomes file '{path}' does not exist");
        }

        var texts = new List<LabelledText>();
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { MissingFieldFound = null, BadDataFound = null });
        csv.Read();
        csv.ReadHeader();
        foreach (var column in new[] { "text", "label", "category" })
        {
            if (csv.HeaderRecord is not { } header || !header.Contains(column))
            {
                throw new CliException($"model train: --outcomes file '{path}' has no '{column}' column (expected the CSV of 'alertpipeline model outcomes')");
            }
        }

        while (csv.Read())
        {
            var label = csv.GetField("label");
            var value = label switch
            {
                Concern => (sbyte)1,
                FalsePositive => (sbyte)0,
                _ => throw new CliException($"model train: --outcomes file '{path}' row {csv.Parser.Row}: label '{label}' is not {Concern} or {FalsePositive}"),
            };
            var category = csv.GetField("category") == "discrimination" ? "hate-speech" : csv.GetField("category");
            var head = Array.IndexOf(TrainingCorpus.Heads, category);
            var text = csv.GetField("text") ?? string.Empty;
            if (head < 0 || text.Length == 0)
            {
                continue;
            }

            var labels = Enumerable.Repeat((sbyte)-1, TrainingCorpus.Heads.Length).ToArray();
            labels[head] = value;
            texts.Add(new LabelledText(text, Source, HeldOut: false, labels));
        }

        return texts;
    }
}
