using System.Globalization;
using System.Text;
using System.Text.Json;
using AlertPipeline.Reports.Pdf;
using CsvHelper;

namespace AlertPipeline.Reports.AnnualReview;

/// <summary>Writes the pack: <c>annual-review.pdf</c>, one CSV per table and <c>annual-review.json</c> with every section and table.</summary>
internal static class AnnualReviewPack
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IReadOnlyList<string> Write(AnnualReviewData data, string directory, Action<string>? progress = null)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        var pdf = Path.Combine(directory, "annual-review.pdf");
        File.WriteAllBytes(pdf, RenderPdf(data));
        written.Add(pdf);
        progress?.Invoke(pdf);
        foreach (var table in data.Tables)
        {
            var csv = Path.Combine(directory, table.Id + ".csv");
            File.WriteAllText(csv, Csv(table), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)); // BOM: Excel reads UTF-8 as such
            written.Add(csv);
            progress?.Invoke(csv);
        }

        var json = Path.Combine(directory, "annual-review.json");
        File.WriteAllText(json, JsonSerializer.Serialize(data, Json));
        written.Add(json);
        progress?.Invoke(json);
        return written;
    }

    internal static string Csv(ReviewTable table)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CsvWriter(text, CultureInfo.InvariantCulture);
        foreach (var column in table.Columns)
        {
            csv.WriteField(column);
        }

        csv.NextRecord();
        foreach (var row in table.Rows)
        {
            foreach (var cell in row)
            {
                csv.WriteField(cell);
            }

            csv.NextRecord();
        }

        csv.Flush();
        return text.ToString();
    }

    public static byte[] RenderPdf(AnnualReviewData data)
    {
        var generated = data.GeneratedAt.ToString("d MMMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);
        using var pdf = new ReportPdf($"Annual online safety review: {data.ScopeName}, {data.Year}",
            $"{data.ScopeName} · annual online safety review {data.Year} · anonymised · generated {generated}");
        pdf.Title("Annual online safety review",
            $"{data.ScopeName} · academic year {data.Year} · structured by the DfE filtering and monitoring standards · generated {generated}");
        foreach (var section in data.Sections)
        {
            pdf.Heading(section.Title);
            pdf.Paragraph("DfE standard: " + section.Standard, muted: true, small: true);
            foreach (var paragraph in section.Paragraphs)
            {
                pdf.Paragraph(paragraph, small: paragraph.StartsWith("Small numbers", StringComparison.Ordinal));
            }

            foreach (var table in section.Tables)
            {
                pdf.Paragraph(table.Title + (table.Rows.Count > 0 ? "" : ": none"), muted: false);
                if (table.Rows.Count > 0)
                {
                    pdf.Table([.. table.Columns.Select((c, i) => new PdfColumn(c, Width(table, i), Right: i > 0 && IsNumeric(table, i)))], table.Rows);
                }
            }
        }

        return pdf.ToBytes();
    }

    // The first column (names) and free-text columns get more room than numbers.
    private static double Width(ReviewTable table, int column) =>
        column == 0 ? 2.6 : IsNumeric(table, column) ? 1.2 : table.Rows.Any(r => r[column].Length > 30) ? 4 : 2;

    private static bool IsNumeric(ReviewTable table, int column) =>
        table.Rows.Count > 0 && table.Rows.All(r => r[column] is "–" or "withheld" or "<5" or "≥5" || r[column].TrimEnd('%').All(c => char.IsAsciiDigit(c) || c == ','));
}
