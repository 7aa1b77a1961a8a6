using AlertPipeline.Detection.Lists;

namespace AlertPipeline.Detection.Tests.Suites;

/// <summary>One row of a labelled suite in <c>tests/suites/*.csv</c>: a text, where it was seen, and what should flag it.</summary>
internal sealed record SuiteRow(int Line, string Text, SourceKinds Source, string? Category, Severity? MinSeverity, string Notes)
{
    /// <summary>The plain phrase an obfuscation row disguises (its notes start <c>plain=…;</c>), or the text itself.</summary>
    public string Plain => Notes.StartsWith("plain=", StringComparison.Ordinal) && Notes.IndexOf(';', StringComparison.Ordinal) is var end and > 6
        ? Notes[6..end]
        : Text;

    public override string ToString() => $"line {Line}: '{Text}' ({Source.ToName()})";

    /// <summary>Reads <c>suites/&lt;name&gt;.csv</c> copied beside the test assembly.</summary>
    public static IReadOnlyList<SuiteRow> Load(string name)
    {
        var content = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "suites", name + ".csv"));
        var rows = new List<SuiteRow>();
        foreach (var (line, fields) in Csv.Read(content).Skip(1))
        {
            if (!SourceKindNames.TryParseSingle(fields[1], out var source))
            {
                throw new FormatException($"{name}.csv:{line}: source '{fields[1]}' is not a single source");
            }

            Severity? minimum = SeverityNames.TryParse(fields[3], out var severity) ? severity : null;
            var category = fields[2].Length == 0 ? null : fields[2];
            rows.Add(new SuiteRow(line, fields[0], source, category, minimum, fields.Length > 4 ? fields[4] : string.Empty));
        }

        return rows;
    }
}
