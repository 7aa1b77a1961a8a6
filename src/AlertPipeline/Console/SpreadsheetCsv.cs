using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace AlertPipeline.ConsoleUi;

/// <summary>
/// The console's CSV exports (an alert with its history, the audit log), written by CsvHelper: RFC 4180 quoting, CRLF
/// rows, and a leading apostrophe on a field a spreadsheet would run as a formula (a pupil's text can begin with '=').
/// </summary>
internal static class SpreadsheetCsv
{
    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\r\n",
        InjectionOptions = InjectionOptions.Escape,
    };

    public static string Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, Configuration))
        {
            foreach (var row in rows.Prepend(header))
            {
                foreach (var field in row)
                {
                    csv.WriteField(field);
                }

                csv.NextRecord();
            }
        }

        return text.ToString();
    }

    /// <summary>As a file: UTF-8 with a byte-order mark, without which Excel reads it as the local code page and mangles Zoë or Łukasz.</summary>
    public static byte[] File(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(Write(header, rows))];
}
